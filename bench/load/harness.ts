/** Processes for the load and fault scripts: a throw-away database on DATABASE_URL (or a private PostgreSQL
 *  cluster started with initdb/pg_ctl on a free port), and xtap server processes (node dist/server/main.js)
 *  that can be started, killed with SIGKILL and restarted on the same database and results directory. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { serverSemiSpaceMb } from '../download.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery<T extends Record<string, unknown> = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** A fresh database on the server of `baseUrl`, dropped by `drop()`. */
export async function scratchDatabase(baseUrl: string, prefix: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
  return { url: withDatabase(baseUrl, name), name, drop: async () => void (await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)) };
}

const PG_BIN = process.env.XTAP_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster in a temporary directory (run as the postgres user when we are root, since
 *  PostgreSQL refuses to run as root), on a free loopback port, trust authentication. */
export class PrivateCluster {
  readonly dir: string;
  readonly port: number;
  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivateCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'xtap-faults-pg-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      chownSync(dir, uid, gid);
    }
    const cluster = new PrivateCluster(dir, await freePort());
    cluster.run(['initdb', '-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']);
    writeFileSync(join(dir, 'postgresql.auto.conf'), '');
    await cluster.start();
    return cluster;
  }

  private run(args: string[]): void {
    const [cmd, ...rest] = args;
    const exe = join(PG_BIN, cmd ?? '');
    const asRoot = process.getuid?.() === 0;
    const opts = { encoding: 'utf8' as const, timeout: 120_000 };
    const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', exe, ...rest], opts) : spawnSync(exe, rest, opts);
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  }

  async start(): Promise<void> {
    this.run(['pg_ctl', '-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  /** pg_ctl restart -m fast: every session is terminated, the server comes back on the same port. */
  restart(): void {
    // -l: without a log file the new postmaster would keep our stdout pipe open and spawnSync would never return.
    this.run(['pg_ctl', '-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-m', 'fast', 'restart']);
  }

  destroy(): void {
    try {
      this.run(['pg_ctl', '-D', join(this.dir, 'data'), '-w', '-m', 'immediate', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ServerOptions {
  databaseUrl?: string;
  resultsDir: string;
  port: number;
  logFile: string;
  env?: Record<string, string>;
}

/** One xtap server process (dist/server/main.js). */
export class XtapServer {
  proc: ChildProcess | undefined;
  constructor(readonly opts: ServerOptions) {}

  get base(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  async start(timeoutMs = 180_000): Promise<void> {
    const log = openSync(this.opts.logFile, 'a');
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: String(this.opts.port),
      HOST: '127.0.0.1',
      XTAP_BASE_URL: this.base,
      XTAP_RESULTS_DIR: this.opts.resultsDir,
      LOG_LEVEL: 'warn',
      ...this.opts.env,
    };
    if (this.opts.databaseUrl) env.DATABASE_URL = this.opts.databaseUrl;
    // As `npm start` runs it (package.json's young generation size).
    this.proc = spawn(process.execPath, [`--max-semi-space-size=${serverSemiSpaceMb()}`, 'dist/server/main.js'], { env, stdio: ['ignore', log, log] });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`xtap exited with ${this.proc.exitCode} while starting (log: ${this.opts.logFile})`);
      const ok = await fetch(`${this.base}/tap/availability`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(250);
    }
    throw new Error(`xtap did not become available within ${timeoutMs} ms (log: ${this.opts.logFile})`);
  }

  alive(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || !this.alive()) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || !this.alive()) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    if (this.alive()) await this.kill9();
  }
}

/** Command-line flags of the form --name value or --name=value. */
export function flags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !(argv[i + 1] ?? '').startsWith('--')) out.set(a.slice(2), argv[++i] ?? '');
    else out.set(a.slice(2), 'true');
  }
  return out;
}
