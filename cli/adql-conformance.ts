/** CLI: `npm run conformance [-- <corpus dir>]` runs the lyonetia ADQL corpus (default
 *  ../shared/data/adql-lyonetia relative to the working directory), prints pass counts per file and every
 *  failure, and exits non-zero when any query misses its expectation. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCorpus } from '../adql/conformance/corpus.js';
import { publishedCatalog } from '../schema/catalog.js';
import { lyonetiaCatalog } from '../adql/conformance/fixture.js';
import { formatSummary, runCorpus } from '../adql/conformance/run.js';

function main(argv: string[]): number {
  const dir = resolve(process.cwd(), argv[0] ?? '../shared/data/adql-lyonetia');
  if (!existsSync(dir)) {
    process.stderr.write(`conformance: corpus directory not found: ${dir}\n`);
    return 2;
  }
  const { results, files } = runCorpus(readCorpus(dir), lyonetiaCatalog(publishedCatalog()));
  process.stdout.write(`${formatSummary(files)}\n`);
  const failures = results.filter((r) => r.outcome === 'FAIL');
  for (const f of failures) {
    process.stdout.write(`\nFAIL ${f.query.file} ${f.query.uuid}: ${f.problem ?? ''}\n  ${f.query.adql.replace(/\s+/g, ' ').slice(0, 300)}\n`);
  }
  const excepted = results.filter((r) => r.outcome === 'ok-translate-excepted' || r.outcome === 'accepted-excepted').length;
  process.stdout.write(`\n${results.length} queries, ${failures.length} failures, ${excepted} listed exceptions (adql/conformance/exceptions.ts)\n`);
  return failures.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
