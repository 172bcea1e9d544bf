/** Small-query latency over HTTP (issue #11.1): `SELECT TOP 1 name` and a 0.05° cone (all columns) answered by
 *  the real server (`node dist/server/main.js`, the bundled sample loaded into a fresh database) in the default
 *  format (BINARY2), against the same SQL run on PostgreSQL directly (one pg connection, the translator's SQL
 *  with inline literals) in the same run. Rounds interleave the two (xtap, then pg, then xtap, ...); each figure
 *  is the median over all requests with the range of the per-round medians. Needs DATABASE_URL and a built
 *  dist/; XTAP_BENCH_ROUNDS and XTAP_BENCH_REQUESTS override 5 rounds × 200 requests. XTAP_BENCH_BASELINE=<dir>
 *  (another built checkout, e.g. an older commit in a git worktree) adds its server to the same rounds. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { translateAdql } from '../adql/index.js';
import { publishedCatalog } from '../schema/index.js';
import { startServer, type Server } from './download.js';
import { freshDatabase } from './ingest.js';
import type { BenchRow } from './types.js';

function median(xs: ReadonlyArray<number>): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Series {
  all: number[];
  rounds: number[];
}

const series = (): Series => ({ all: [], rounds: [] });

async function timed(n: number, run: () => Promise<void>, into: Series): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  into.all.push(...times);
  into.rounds.push(median(times));
}

function row(name: string, s: Series, reference: string): BenchRow {
  const lo = Math.min(...s.rounds);
  const hi = Math.max(...s.rounds);
  return { name, value: median(s.all), unit: 'ms', reference: `round medians ${lo.toFixed(3)}–${hi.toFixed(3)} ms; ${reference}` };
}

export async function benchLatency(): Promise<BenchRow[]> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('the latency benchmark needs DATABASE_URL (a PostgreSQL server), e.g. postgres://postgres@127.0.0.1:5432/test');
  const rounds = Number(process.env.XTAP_BENCH_ROUNDS ?? 5);
  const requests = Number(process.env.XTAP_BENCH_REQUESTS ?? 200);
  const resultsDir = mkdtempSync(join(tmpdir(), 'xtap-bench-latency-'));
  const url = await freshDatabase(adminUrl, 'xtap_bench_latency');
  let server: Server | undefined;
  let baseline: Server | undefined;
  const baselineDir = process.env.XTAP_BENCH_BASELINE;
  const client = new pg.Client({ connectionString: url });
  try {
    server = await startServer(url, true, resultsDir, { XTAP_LOAD_SAMPLE: 'always', XTAP_MAXREC_DEFAULT: '100000' });
    if (baselineDir) baseline = await startServer(url, true, resultsDir, { XTAP_LOAD_SAMPLE: 'never', XTAP_MAXREC_DEFAULT: '100000' }, baselineDir);
    await client.connect();
    const centre = (await client.query<{ ra: number; dec: number }>('SELECT ra, dec FROM csc2.master_source ORDER BY name LIMIT 1')).rows[0];
    if (!centre) throw new Error('the sample did not load');
    const queries = {
      top1: 'SELECT TOP 1 name FROM csc2.master_source',
      cone: `SELECT * FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${centre.ra}, ${centre.dec}, 0.05))`,
    };
    const results: BenchRow[] = [];
    for (const [name, adql] of Object.entries(queries)) {
      const sql = translateAdql(adql, publishedCatalog(), { rowLimit: 100_001, inlineLiterals: true }).sql;
      const body = new URLSearchParams({ LANG: 'ADQL', QUERY: adql });
      let rowsSeen = -1;
      const viaServer = (s: Server) => async () => {
        const res = await fetch(`${s.base}/tap/sync`, { method: 'POST', body });
        const text = await res.text();
        if (!res.ok || !text.endsWith('</VOTABLE>\n') || text.includes('value="ERROR"')) throw new Error(`xtap answered ${res.status}: ${text.slice(0, 300)}`);
      };
      const viaXtap = viaServer(server as Server);
      const viaBaseline = baseline ? viaServer(baseline) : undefined;
      const viaPg = async () => {
        rowsSeen = (await client.query({ text: sql, rowMode: 'array' })).rows.length;
      };
      for (let i = 0; i < 50; i++) {
        await viaXtap();
        await viaBaseline?.();
        await viaPg();
      }
      const x = series();
      const b = series();
      const p = series();
      for (let r = 0; r < rounds; r++) {
        await timed(requests, viaXtap, x);
        if (viaBaseline) await timed(requests, viaBaseline, b);
        await timed(requests, viaPg, p);
      }
      const what = name === 'top1' ? '`SELECT TOP 1 name`' : `cone 0.05° (all columns, ${rowsSeen} rows)`;
      results.push(row(`xtap /tap/sync ${what}, BINARY2 over HTTP`, x, `${rounds} rounds × ${requests} requests interleaved with pg`));
      if (viaBaseline) results.push(row(`baseline server (${baselineDir}) ${what}`, b, 'same rounds'));
      results.push(row(`same SQL on PostgreSQL directly (pg client, ${what})`, p, `xtap − pg = ${(median(x.all) - median(p.all)).toFixed(3)} ms`));
    }
    return results;
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
    await baseline?.stop();
    rmSync(resultsDir, { recursive: true, force: true });
  }
}
