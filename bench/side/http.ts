/** HTTP measurements against any TAP service (xtap or DaCHS), with the same client code for both: a whole-table
 *  sync download with streamed row counting, time to first byte and the server's RSS sampled from /proc; a
 *  fixed-duration cone load at N concurrent clients; repeated small queries; an async round trip. */
import { readFileSync, writeFileSync } from 'node:fs';
import { postForm } from './keepalive-client.js';
import { rowCounter, type Format } from './row-count.js';

export const MIME: Record<Format, string> = {
  binary2: 'application/x-votable+xml;serialization=BINARY2',
  tabledata: 'application/x-votable+xml;serialization=TABLEDATA',
  // DaCHS maps text/csv to CSV without a header; `csv` has one in both services.
  csv: 'csv',
  tsv: 'tsv',
};

export interface Tap {
  label: string;
  /** e.g. http://127.0.0.1:8090/tap */
  base: string;
  /** the server process whose memory is sampled */
  pid?: number;
}

export function procKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat (clock ticks of USER_HZ 100). */
export function procCpuS(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Resets the peak-RSS counter (VmHWM) of a process we may write to (root, or our own child). */
function resetHwm(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: VmHWM then covers the process's whole life, the sampled peak still holds
  }
}

export interface DownloadResult {
  seconds: number;
  firstByteS: number;
  bytes: number;
  rows: number;
  peakRssMb?: number;
  hwmMb?: number;
  /** the server's CPU time (user + system) during the download: a time figure less sensitive to machine load */
  serverCpuS?: number;
}

const form = (params: Record<string, string>) => new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', ...params });

/** One sync download, rows counted while streaming; throws when the count is not `expectRows` or the document
 *  reports an error. OVERFLOW is expected when the table is larger than MAXREC. */
export async function download(tap: Tap, query: string, format: Format, maxrec: number, expectRows: number): Promise<DownloadResult> {
  const pid = tap.pid;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  const cpu0 = pid ? procCpuS(pid) : Number.NaN;
  if (pid) {
    resetHwm(pid);
    peak = procKb(pid, 'VmRSS');
    timer = setInterval(() => {
      peak = Math.max(peak, procKb(pid, 'VmRSS'));
    }, 50);
  }
  try {
    const t0 = performance.now();
    const res = await fetch(`${tap.base}/sync`, { method: 'POST', body: form({ QUERY: query, RESPONSEFORMAT: MIME[format], MAXREC: String(maxrec) }) });
    if (!res.ok || !res.body) throw new Error(`${tap.label} ${format}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    const counter = rowCounter(format);
    let first = 0;
    let bytes = 0;
    for await (const chunk of res.body) {
      if (!first) first = performance.now();
      bytes += chunk.length;
      counter.push(chunk);
    }
    const seconds = (performance.now() - t0) / 1000;
    const { rows, status } = counter.end();
    if (status === 'ERROR') throw new Error(`${tap.label} ${format}: QUERY_STATUS=ERROR after ${rows} rows`);
    if (rows !== expectRows) throw new Error(`${tap.label} ${format}: ${rows} rows, expected ${expectRows}`);
    const out: DownloadResult = { seconds, firstByteS: (first - t0) / 1000, bytes, rows };
    if (pid) {
      peak = Math.max(peak, procKb(pid, 'VmRSS'));
      out.peakRssMb = peak / 1024;
      out.hwmMb = procKb(pid, 'VmHWM') / 1024;
      out.serverCpuS = procCpuS(pid) - cpu0;
    }
    return out;
  } finally {
    if (timer) clearInterval(timer);
  }
}

export const coneQuery = (table: string, columns: string, ra: number, dec: number, r = 0.05) =>
  `SELECT ${columns} FROM ${table} WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${ra}, ${dec}, ${r}))`;

async function syncOk(tap: Tap, query: string, extra: Record<string, string> = {}): Promise<void> {
  const { status, body } = await postForm(`${tap.base}/sync`, form({ QUERY: query, ...extra }));
  if (status !== 200 || body.includes('value="ERROR"')) throw new Error(`${tap.label}: HTTP ${status} ${body.slice(0, 300)}`);
}

export interface LoadResult {
  clients: number;
  seconds: number;
  ok: number;
  errors: number;
  qps: number;
  p50Ms: number;
  p95Ms: number;
  firstError?: string;
}

const quantile = (sorted: number[], q: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : Number.NaN);

/** `clients` concurrent loops sending cone queries (default format) for `durationS`, as loadgen.py does; a loop
 *  starts no request after the deadline, and q/s divides by the time until the last one finished. */
export async function coneLoad(tap: Tap, queries: string[], clients: number, durationS: number): Promise<LoadResult> {
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const end = t0 + durationS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, k) => {
      let i = k * 7919;
      while (performance.now() < end) {
        const q = queries[i++ % queries.length] as string;
        const s = performance.now();
        try {
          await syncOk(tap, q);
          lat.push(performance.now() - s);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { clients, seconds, ok: lat.length, errors, qps: lat.length / seconds, p50Ms: quantile(lat, 0.5), p95Ms: quantile(lat, 0.95), ...(firstError ? { firstError } : {}) };
}

/** Median latency (ms) of `n` sequential sync requests of one query. */
export async function latency(tap: Tap, query: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await syncOk(tap, query);
    out.push(performance.now() - t0);
  }
  return out;
}

export interface AsyncResult {
  seconds: number;
  rows: number;
  phase: string;
}

/** Async UWS round trip: create with PHASE=RUN, POST PHASE=RUN again (DaCHS 2.7 ignores it on creation), poll the
 *  phase every 100 ms, fetch the result as BINARY2 with rows counted, delete the job. */
export async function asyncRoundTrip(tap: Tap, query: string, rows: number): Promise<AsyncResult> {
  const t0 = performance.now();
  const created = await fetch(`${tap.base}/async`, {
    method: 'POST',
    redirect: 'manual',
    body: form({ QUERY: query, MAXREC: String(rows), RESPONSEFORMAT: MIME.binary2, PHASE: 'RUN' }),
  });
  const loc = created.headers.get('location');
  await created.body?.cancel();
  if (!loc) throw new Error(`${tap.label} async: HTTP ${created.status} without Location`);
  const job = new URL(loc, `${tap.base}/async`).toString();
  const phaseNow = async () => (await (await fetch(`${job}/phase`)).text()).trim();
  if ((await phaseNow()) === 'PENDING') await (await fetch(`${job}/phase`, { method: 'POST', body: new URLSearchParams({ PHASE: 'RUN' }), redirect: 'manual' })).body?.cancel();
  let phase = '';
  for (let polls = 0; ; polls++) {
    phase = await phaseNow();
    if (['COMPLETED', 'ERROR', 'ABORTED'].includes(phase)) break;
    if (polls > 6000) throw new Error(`${tap.label} async: still ${phase} after 10 min`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (phase !== 'COMPLETED') throw new Error(`${tap.label} async: job ended ${phase}`);
  const res = await fetch(`${job}/results/result`);
  if (!res.ok || !res.body) throw new Error(`${tap.label} async result: HTTP ${res.status}`);
  const counter = rowCounter('binary2');
  for await (const chunk of res.body) counter.push(chunk);
  const seconds = (performance.now() - t0) / 1000;
  const got = counter.end().rows;
  await (await fetch(job, { method: 'DELETE', redirect: 'manual' })).body?.cancel();
  if (got !== rows) throw new Error(`${tap.label} async: ${got} rows, expected ${rows}`);
  return { seconds, rows: got, phase };
}
