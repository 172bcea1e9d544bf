/** csc2.master_source's 515 col() lines come from the committed schema/csc2/data/columns.tsv (see its ORIGIN.md):
 *  names and order, datatypes, units and descriptions equal the TSV's; UCDs equal the TSV's where it gives one.
 *  Only the derived HEALPix index column is xtap's own. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { masterSource } from '../../schema/csc2/master-source.js';

const TSV = resolve(import.meta.dirname, '../../schema/csc2/data/columns.tsv');

function masterRows() {
  const [header, ...lines] = readFileSync(TSV, 'utf8').trimEnd().split('\n');
  expect(header?.split('\t')).toEqual(['name', 'table', 'datatype', 'unit', 'ucd', 'description', 'provenance']);
  return lines
    .map((l) => l.split('\t'))
    .filter((f) => f[1] === 'master_source')
    .map(([name, , datatype, unit, ucd, description]) => ({ name, datatype, unit: unit || undefined, ucd: ucd || undefined, description }));
}

describe('csc2.master_source against its committed source list', () => {
  const rows = masterRows();
  const columns = masterSource.columns.filter((c) => c.name !== masterSource.position?.healpix);

  it('has the TSV’s 515 columns in its order, with its datatypes, units and descriptions', () => {
    expect(rows).toHaveLength(515);
    expect(columns.map((c) => [c.name, c.datatype, c.unit, c.description])).toEqual(rows.map((r) => [r.name, r.datatype, r.unit, r.description]));
  });

  it('uses the TSV’s UCD wherever it gives one (name’s written in the order meta.id;meta.main)', () => {
    const differing = rows
      .map((r, i) => ({ name: r.name, tsv: r.ucd, schema: columns[i]?.ucd }))
      .filter((d) => d.tsv !== undefined && d.tsv !== d.schema);
    expect(differing).toEqual([{ name: 'name', tsv: 'meta.main;meta.id', schema: 'meta.id;meta.main' }]);
  });
});
