import { it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { encodeVotable, encodeCsv, encodeTsv, errorVotable, CHANDRA_MET_TIMESYS } from './index.js';
import { ALL_COLUMNS, SAMPLE_ROWS, collectBytes } from './testing/sample-columns.js';
it('gen', async () => {
  mkdirSync('/tmp/vt', { recursive: true });
  const doc = { infos: [{ name: 'QUERY', value: 'SELECT *\nFROM t' }, { name: 'standardID', value: 'ivo://ivoa.net/std/TAP' }], timesys: { ...CHANDRA_MET_TIMESYS, fields: ['time'] },
    serviceDescriptors: [{ ID: 'dl', accessURL: 'https://x/links', standardID: 'ivo://ivoa.net/std/DataLink#links-1.1', inputParams: [{ name: 'ID', datatype: 'char' as const, arraysize: '*', value: '', ref: { field: 'obsid' } }] }] };
  for (const s of ['TABLEDATA', 'BINARY2', 'BINARY'] as const) writeFileSync(`/tmp/vt/${s}.vot`, await collectBytes(encodeVotable(doc, ALL_COLUMNS, [SAMPLE_ROWS], { serialization: s })));
  writeFileSync('/tmp/vt/t.csv', await collectBytes(encodeCsv(ALL_COLUMNS, [SAMPLE_ROWS])));
  writeFileSync('/tmp/vt/t.tsv', await collectBytes(encodeTsv(ALL_COLUMNS, [SAMPLE_ROWS])));
  writeFileSync('/tmp/vt/err.vot', errorVotable('bad <query>\nline 2', { infos: [{ name: 'QUERY', value: 'SELECT\n"x" & y' }] }));
});
