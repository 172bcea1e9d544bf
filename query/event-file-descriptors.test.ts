import { describe, expect, it } from 'vitest';
import { eventFile } from '../schema/ml/events.js';
import { encodeVotable } from '../votable/votable-encoder.js';
import { parseVotable } from '../votable/index.js';
import { DATALINK_LINKS_STANDARD_ID, eventFileDescriptors } from './event-file-descriptors.js';

describe('event-file service descriptors', () => {
  const columns = eventFile.columns.filter((c) => ['event_file_id', 'file_name'].includes(c.name));

  it('a result with event_file_id gets {links} plus one descriptor per product, each parameter documented', () => {
    const d = eventFileDescriptors(columns, 'http://x.test');
    expect(d.map((s) => s.ID)).toEqual(['datalink_event_links', 'product_events', 'product_lightcurve', 'product_spectrum', 'product_etmap', 'product_dedt']);
    expect(d[0].standardID).toBe(DATALINK_LINKS_STANDARD_ID);
    for (const s of d) {
      expect(s.inputParams[0].ref).toEqual({ field: 'event_file_id' });
      for (const p of s.inputParams) expect(p.description?.length ?? 0).toBeGreaterThan(5);
    }
    const lc = d.find((s) => s.ID === 'product_lightcurve');
    expect(lc?.inputParams.map((p) => p.name)).toEqual(['event_file', 'bin', 'emin', 'emax', 'eunit', 'RESPONSEFORMAT']);
    expect(lc?.inputParams.find((p) => p.name === 'RESPONSEFORMAT')?.values?.options?.map((o) => o.value)).toEqual(['application/x-votable+xml', 'application/fits']);
  });

  it('no event_file_id column, no descriptors', () => {
    expect(eventFileDescriptors(eventFile.columns.filter((c) => c.name === 'file_name'), 'http://x.test')).toEqual([]);
  });

  it('the descriptors render as adhoc:service resources whose ref resolves to the FIELD', async () => {
    const chunks: Buffer[] = [];
    for await (const c of encodeVotable({ serviceDescriptors: eventFileDescriptors(columns, 'http://x.test'), coosys: false }, columns, [[['9d2b1cb26d5d53a6', 'a.fits']]], { serialization: 'TABLEDATA' })) chunks.push(Buffer.from(c));
    const xml = Buffer.concat(chunks).toString('utf8');
    expect(xml.match(/utype="adhoc:service"/g)).toHaveLength(6);
    expect(xml).toMatch(/<PARAM[^>]*name="ID"[^>]*ref="[^"]+"/);
    expect(parseVotable(xml)[0].rows).toHaveLength(1);
  });
});
