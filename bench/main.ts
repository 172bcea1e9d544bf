/** `npm run bench` / `npm run bench -- side-by-side [options]`: the side-by-side run of xtap, raw PostgreSQL and
 *  DaCHS that writes bench/RESULTS.md (bench/side/). `npm run bench -- <name...>`: runs the named single benchmarks,
 *  prints one table and writes it to bench/results/<name>.md. Figures are compared within one run, since machines
 *  are noisy. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow } from './types.js';

type Bench = () => Promise<BenchRow[]>;

const BENCHES: Record<string, () => Promise<Bench>> = {
  ingest: async () => (await import('./ingest.js')).benchIngest,
  adql: async () => (await import('./adql.js')).benchAdql,
  cone: async () => (await import('./latency.js')).benchConeHttp,
  votable: async () => (await import('./votable.js')).benchVotable,
  dedt: async () => (await import('./dedt.js')).benchDedt,
  classify: async () => (await import('./classify.js')).benchClassify,
  download: async () => (await import('./download.js')).benchDownload,
  top1: async () => (await import('./latency.js')).benchLatency,
  synth: async () => (await import('./synth.js')).benchSynth,
  shards: async () => (await import('./shards.js')).benchShards,
};

function table(rows: BenchRow[]): string {
  const lines = ['| benchmark | value | unit | reference |', '|---|---:|---|---|'];
  for (const r of rows) {
    const v = Math.abs(r.value) >= 100 ? r.value.toFixed(0) : r.value.toPrecision(4);
    lines.push(`| ${r.name} | ${v} | ${r.unit} | ${r.reference ?? ''} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === 'side-by-side' || args[0]?.startsWith('-')) {
    await (await import('./side/side-by-side.js')).runSideBySide(args);
    return;
  }
  const wanted = args.filter((a) => !a.startsWith('-'));
  const names = wanted;
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const load = BENCHES[name];
    if (!load) continue;
    process.stderr.write(`running benchmark ${name}...\n`);
    const rows = await (await load())();
    const md = `## ${name} (${new Date().toISOString()})\n\n${table(rows)}\n`;
    process.stdout.write(`${md}\n`);
    writeFileSync(join(dir, `${name}.md`), md);
  }
  // The small-query benches share one database and server: stop them once all have run.
  await (await import('./latency.js')).closeSmallBenchSetup();
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
