import { it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { encodeVotable } from './index.js';
import { ALL_COLUMNS, SAMPLE_ROWS, collectBytes } from './testing/sample-columns.js';
it('gen', async () => {
  mkdirSync('/tmp/vt1', { recursive: true });
  for (let i = 0; i < ALL_COLUMNS.length; i++) {
    writeFileSync(`/tmp/vt1/${ALL_COLUMNS[i]!.name}.vot`, await collectBytes(encodeVotable({}, [ALL_COLUMNS[i]!], [SAMPLE_ROWS.map((r) => [r[i]])], { serialization: 'BINARY2' })));
  }
});
