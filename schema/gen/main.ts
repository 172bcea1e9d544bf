/** `npm run gen:schema`: writes the generated CSC 2 schema modules from the TSVs in schema/csc2/data/.
 *  `--check` writes nothing and exits 1 when a committed file differs from what the TSVs give. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFromRepo } from './from-repo.js';

function main(argv: string[]): number {
  // dist/schema/gen/main.js or schema/gen/main.ts: the repository root is three or two levels up
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes(`${join('dist', 'schema', 'gen')}`) ? resolve(here, '../../..') : resolve(here, '../..');
  const check = argv.includes('--check');
  let stale = 0;
  for (const f of generateFromRepo(root)) {
    const path = join(root, f.path);
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing: written below, or reported as stale
    }
    if (current === f.text) continue;
    stale++;
    if (check) process.stderr.write(`stale: ${f.path}\n`);
    else {
      writeFileSync(path, f.text);
      process.stdout.write(`wrote ${f.path}\n`);
    }
  }
  if (!check && stale === 0) process.stdout.write('generated schema is up to date\n');
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
