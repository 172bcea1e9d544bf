/** BINARY2 bulk download A/B over HTTP: two built checkouts (BASE_ROOT, e.g. /work/base, and this one) serve the
 *  same database on two ports, started as `npm start` starts the server; each repetition downloads the same
 *  SELECT TOP N of the 48 side-by-side columns from both and runs raw `COPY … TO STDOUT (FORMAT binary)` of the same
 *  rows, in an order rotated every repetition (interleaved, so all three see the same machine load). Row counts
 *  are verified while streaming (bench/side/row-count.ts), both servers must send the same number of bytes, and
 *  server peak RSS is sampled every 50 ms, and each server's CPU time (user + system, /proc) per download is taken
 *  (less noisy than wall time on a shared machine). Prints every figure as median (min–max) and the per-repetition ratios
 *  to COPY binary.
 *
 *    DATABASE_URL=postgres://…/db node dist/bench/binary2-ab.js BASE_ROOT [ROWS] [REPS]
 *
 *  The database must hold csc2.master_source with at least ROWS rows (e.g. `xtap ingest csc2 --table
 *  master_source --no-classify` of bench/dachs/gen_csv.py's CSV). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type Server } from './download.js';
import { download, type Tap } from './side/http.js';
import { copyOut } from './side/pg.js';
import { spread } from './stats.js';
import { SIDE_COLUMNS } from './binary2-transcode.js';

/** CPU seconds (user + system) a process has used: /proc/<pid>/stat fields 14 and 15, in clock ticks. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const fmt = (v: number[], d = 2) => {
  const s = spread(v);
  return `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
};

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const [baseRoot, rowsText, repsText] = process.argv.slice(2);
  if (!url || !baseRoot) throw new Error('usage: DATABASE_URL=… binary2-ab BASE_ROOT [ROWS] [REPS]');
  const rows = Number(rowsText ?? 1_000_000);
  const reps = Number(repsText ?? 5);
  const cols = (process.env.XTAP_BENCH_COLUMNS ?? SIDE_COLUMNS).split(',').join(', ');
  const select = `SELECT TOP ${rows} ${cols} FROM csc2.master_source`;
  const rawSelect = `SELECT ${cols} FROM csc2.master_source LIMIT ${rows}`;
  const env = { XTAP_SYNC_QUERY_TIMEOUT_S: '900', XTAP_SYNC_TIMEOUT_S: '900' };
  const results = mkdtempSync(join(tmpdir(), 'xtap-b2ab-'));
  const servers: Server[] = [];
  try {
    const base = await startServer(url, true, join(results, 'base'), env, resolve(baseRoot));
    servers.push(base);
    const mine = await startServer(url, true, join(results, 'this'), env, process.cwd());
    servers.push(mine);
    const taps: Tap[] = [
      { label: 'base', base: `${base.base}/tap`, ...(base.child.pid ? { pid: base.child.pid } : {}) },
      { label: 'this', base: `${mine.base}/tap`, ...(mine.child.pid ? { pid: mine.child.pid } : {}) },
    ];
    // Warm-up: one small download each (JIT, connections).
    for (const t of taps) await download(t, `SELECT TOP 20000 ${cols} FROM csc2.master_source`, 'binary2', 20000, 20000);
    const s: Record<string, number[]> = { base: [], this: [], copy: [], baseRss: [], thisRss: [], baseFirst: [], thisFirst: [], baseCpu: [], thisCpu: [] };
    const sizes = new Set<string>();
    type Step = 'base' | 'this' | 'copy';
    const orders: Step[][] = [['base', 'this', 'copy'], ['this', 'copy', 'base'], ['copy', 'base', 'this'], ['this', 'base', 'copy'], ['base', 'copy', 'this'], ['copy', 'this', 'base']];
    for (let rep = 0; rep < reps; rep++) {
      const line: string[] = [];
      for (const step of orders[rep % orders.length] as Step[]) {
        if (step === 'copy') {
          const c = await copyOut(url, rawSelect, 'binary');
          (s.copy as number[]).push(c.seconds);
          line.push(`copy ${c.seconds.toFixed(2)} s`);
          continue;
        }
        const tap = taps[step === 'base' ? 0 : 1] as Tap;
        const cpu0 = cpuSeconds(tap.pid);
        const d = await download(tap, select, 'binary2', rows, rows);
        (s[`${step}Cpu`] as number[]).push(cpuSeconds(tap.pid) - cpu0);
        (s[step] as number[]).push(d.seconds);
        (s[`${step}Rss`] as number[]).push(d.peakRssMb ?? NaN);
        (s[`${step}First`] as number[]).push(d.firstByteS);
        sizes.add(`${step}:${d.bytes}`);
        line.push(`${step} ${d.seconds.toFixed(2)} s (server CPU ${((s[`${step}Cpu`] as number[]).at(-1) as number).toFixed(2)} s) ${d.peakRssMb?.toFixed(0)} MB`);
      }
      process.stderr.write(`rep ${rep + 1}/${reps}: ${line.join(', ')}\n`);
    }
    const byteCounts = new Set([...sizes].map((x) => x.split(':')[1]));
    // With fewer rows than the table holds, TOP N without ORDER BY may pick other rows each time (PostgreSQL's
    // synchronized sequential scans), so sizes must agree only for the whole table.
    if (byteCounts.size !== 1 && !process.env.XTAP_BENCH_ANY_ROWS) throw new Error(`the two servers sent different sizes: ${[...sizes].join(', ')}`);
    const ratio = (k: string) => (s[k] as number[]).map((v, i) => (s.copy as number[])[i] as number / v);
    const out = [
      `BINARY2 ${rows.toLocaleString('en')} rows × ${cols.split(',').length} columns, ${reps} interleaved reps, ${[...byteCounts].join(' / ')} bytes, row counts verified`,
      `COPY binary     ${fmt(s.copy as number[])} s`,
      `base            ${fmt(s.base as number[])} s   speed vs COPY ${fmt(ratio('base'))}×   peak RSS ${fmt(s.baseRss as number[], 0)} MB   first byte ${fmt(s.baseFirst as number[], 3)} s`,
      `this checkout   ${fmt(s.this as number[])} s   speed vs COPY ${fmt(ratio('this'))}×   peak RSS ${fmt(s.thisRss as number[], 0)} MB   first byte ${fmt(s.thisFirst as number[], 3)} s`,
      `this/base time  ${fmt((s.this as number[]).map((v, i) => v / ((s.base as number[])[i] as number)), 3)}`,
      `server CPU (user + system) per download: base ${fmt(s.baseCpu as number[])} s, this ${fmt(s.thisCpu as number[])} s, this/base ${fmt((s.thisCpu as number[]).map((v, i) => v / ((s.baseCpu as number[])[i] as number)), 3)}`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    for (const srv of servers) await srv.stop();
    rmSync(results, { recursive: true, force: true });
  }
}

await main();
