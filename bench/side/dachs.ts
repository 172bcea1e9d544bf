/** Finding the local GAVO DaCHS service that bench/dachs/setup.sh (or ../shared/bench/dachs/setup.sh) installs, and
 *  its table: reachable TAP endpoint, server pid for memory sampling, version, and the database (the `gavo`
 *  database on the same PostgreSQL) for the row checksum. Returns a reason instead when it is not usable, so the
 *  bench runs anywhere and says why DaCHS is missing. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Tap } from './http.js';

export interface Dachs extends Tap {
  version: string;
  databaseUrl: string;
}

export type DachsProbe = { ok: true; dachs: Dachs } | { ok: false; reason: string };

export interface DachsOptions {
  base: string;
  pidFile: string;
  databaseUrl: string;
  fetchImpl?: typeof fetch;
}

export const DACHS_DEFAULTS = {
  base: process.env.DACHS_URL ?? 'http://127.0.0.1:8090/tap',
  pidFile: '/var/gavo/state/web.pid',
};

function dachsVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'gavodachs2-server'], { encoding: 'utf8' }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function probeDachs(opts: DachsOptions): Promise<DachsProbe> {
  const f = opts.fetchImpl ?? fetch;
  try {
    const res = await f(`${opts.base}/availability`, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    if (!res.ok) return { ok: false, reason: `DaCHS at ${opts.base} answered /availability with HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, reason: `DaCHS is not reachable at ${opts.base} (${err instanceof Error ? err.message : String(err)}); install it with bench/dachs/setup.sh` };
  }
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(opts.pidFile, 'utf8').trim()) || undefined;
  } catch {
    pid = undefined; // memory then not sampled
  }
  return { ok: true, dachs: { label: 'DaCHS', base: opts.base, ...(pid ? { pid } : {}), version: `gavodachs2-server ${dachsVersion()}`, databaseUrl: opts.databaseUrl } };
}
