// Same-run, interleaved A/B of sync downloads between builds (each ROOT with a built dist/):
//   URL=postgres://…/db CSV=master_source.csv VARIANTS=base:/work/base:4,new:.:4 node bench/text-ab.mjs REPS FORMATS ROWS
// VARIANTS: name:root[:semi-space MB]. FORMATS: binary2,tabledata,csv,tsv. The table csc2.master_source must hold
// ROWS rows (columns: CSV's header line). Per download: wall time, server VmHWM (reset before) and sampled VmRSS,
// bytes; rows counted. HASH=1 adds an md5 of the first repetition's bodies. Prints medians, ranges, ratios.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { openSync, readSync, closeSync } from 'node:fs';
const { startServer } = await import(new URL('../dist/bench/download.js', import.meta.url).href);
const { rowCounter } = await import(new URL('../dist/bench/side/row-count.js', import.meta.url).href);
const [reps = '3', fmts = 'tabledata,csv', rowsArg = '1000000'] = process.argv.slice(2);
const rows = Number(rowsArg);
const url = process.env.URL ?? 'postgres://postgres@127.0.0.1:5432/xtap_text';
const tmp = process.env.TMPDIR ?? '/tmp';
const variants = (process.env.VARIANTS ?? 'base:/work/base,text:/work/wt-text').split(',').map((s) => { const [name, root, semi] = s.split(':'); return { name, root, semi: semi ? Number(semi) : undefined }; });
const MIME = { binary2: 'application/x-votable+xml;serialization=BINARY2', tabledata: 'application/x-votable+xml;serialization=TABLEDATA', csv: 'csv', tsv: 'tsv' };
const headBuf = Buffer.alloc(8192);
const fd = openSync(process.env.CSV ?? 'master_source.csv', 'r');
const got = readSync(fd, headBuf, 0, headBuf.length, 0);
closeSync(fd);
const cols = headBuf.subarray(0, got).toString('utf8').split('\n')[0].trim().split(',').join(', ');
const cpuS = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const kb = (pid, key) => { const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) : 0; };
const env = { XTAP_MAXREC_DEFAULT: '100000', XTAP_SYNC_QUERY_TIMEOUT_S: '3600', XTAP_SYNC_TIMEOUT_S: '3600', XTAP_MAXREC_HARD: '20000000' };
for (const v of variants) v.server = await startServer(url, true, `${tmp}/text-ab-results-${v.name}`, env, v.root, v.semi);
async function dl(v, f, hash) {
  const pid = v.server.child.pid;
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  let peak = kb(pid, 'VmRSS');
  const cpu0 = cpuS(pid);
  const timer = setInterval(() => { peak = Math.max(peak, kb(pid, 'VmRSS')); }, 50);
  const t0 = performance.now();
  const res = await fetch(`${v.server.base}/tap/sync`, { method: 'POST', body: new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: `SELECT TOP ${rows} ${cols} FROM csc2.master_source`, RESPONSEFORMAT: MIME[f], MAXREC: String(rows) }) });
  if (!res.ok) throw new Error(`${v.name} ${f}: HTTP ${res.status} ${await res.text()}`);
  const counter = rowCounter(f);
  const h = hash ? createHash('md5') : undefined;
  let bytes = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    counter.push(chunk);
    h?.update(chunk);
  }
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, kb(pid, 'VmRSS'));
  const n = counter.end().rows;
  if (n !== rows) throw new Error(`${v.name} ${f}: ${n} rows`);
  const r = { v: v.name, f, s: +s.toFixed(2), cpuS: +(cpuS(pid) - cpu0).toFixed(2), peakMB: +(peak / 1024).toFixed(1), hwmMB: +(kb(pid, 'VmHWM') / 1024).toFixed(1), MB: +(bytes / 1e6).toFixed(1), md5: h?.digest('hex').slice(0, 12) };
  console.log(JSON.stringify(r));
  return r;
}
const out = [];
try {
  for (let rep = 0; rep < Number(reps); rep++) {
    for (const f of fmts.split(',')) {
      const order = rep % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) out.push(await dl(v, f, rep === 0 && process.env.HASH !== '0'));
    }
  }
} finally { for (const v of variants) await v.server.stop(); }
const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.floor(a.length / 2)]; };
for (const f of fmts.split(',')) for (const v of variants) {
  const rs = out.filter((r) => r.f === f && r.v === v.name);
  const s = rs.map((r) => r.s), p = rs.map((r) => r.hwmMB), c = rs.map((r) => r.cpuS);
  console.log(`${f} ${v.name}: time med ${med(s)} s (${Math.min(...s)}–${Math.max(...s)}), server CPU med ${med(c)} s (${Math.min(...c)}–${Math.max(...c)}), HWM med ${med(p)} MB (${Math.min(...p)}–${Math.max(...p)}), sampled peak max ${Math.max(...rs.map((r) => r.peakMB))}`);
}
if (variants.length === 2) for (const f of fmts.split(',')) {
  const a = out.filter((r) => r.f === f && r.v === variants[0].name), b = out.filter((r) => r.f === f && r.v === variants[1].name);
  const ratios = a.map((r, i) => +(b[i].s / r.s).toFixed(3));
  console.log(`${f} ratio ${variants[1].name}/${variants[0].name} per rep: ${ratios.join(' ')} median ${med(ratios)}`);
}
