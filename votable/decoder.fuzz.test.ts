/** 1,000 malformed and hostile VOTables through the decoder: each gives tables or a VotableError (never another
 *  exception, never a hang), external entities are never resolved and entities never expanded. */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseVotable } from './decoder.js';
import { VotableError } from './errors.js';
import { XXE_MARKER, hostileVotable, validVotables } from './testing/hostile-votables.js';

describe('VOTable decoder on hostile input', () => {
  let bases: string[];
  beforeAll(async () => {
    bases = await validVotables();
  });

  it('parses the unmutated bases', () => {
    for (const b of bases) expect(parseVotable(b)[0]?.rows).toHaveLength(3);
  });

  it('1,000 hostile documents give tables or a VotableError, with no entity expanded or resolved', () => {
    let errors = 0;
    fc.assert(
      fc.property(hostileVotable(bases), (doc) => {
        let tables;
        try {
          tables = parseVotable(doc, { maxFields: 1000, maxRows: 1000 });
        } catch (e) {
          if (!(e instanceof VotableError)) throw new Error(`decoder threw ${String(e)} on ${JSON.stringify(doc.slice(0, 300))}`);
          errors++;
          return;
        }
        const text = JSON.stringify(tables, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
        expect(text).not.toContain(XXE_MARKER);
        expect(text).not.toContain('lollollol');
      }),
      { numRuns: 1000, seed: 9 },
    );
    expect(errors).toBeGreaterThan(300); // the generator does produce broken documents
  });
});
