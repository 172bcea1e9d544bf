/** Real UWS clients against a listening server with owner tokens on anonymous jobs (issue 9): pyvo's
 *  run_async (create, PHASE=RUN, wait, fetch, DELETE in one requests session: the owner cookie comes back by
 *  itself, so its DELETE is allowed) and `stilts tapquery sync=false` (no cookies: it creates and runs the job by
 *  URL and gets its rows; its closing DELETE, sent without cookies and without an Origin header, deletes the job). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { createApp } from '../server/app.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { createHttpServer } from '../server/http-server.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { createJobService, type JobService } from '../uws/index.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';
import { FAST_JOB_OPTIONS } from './helpers/uws-app.js';

const backend = testDatabases()[0];
const hasPyvo = spawnSync('/usr/bin/python3', ['-c', 'import pyvo'], { timeout: 60_000 }).status === 0;
const hasStilts = spawnSync('stilts', ['-version'], { timeout: 60_000 }).status === 0;
if ((!hasPyvo || !hasStilts) && process.env.XTAP_REQUIRE_TOOLS === '1') throw new Error('pyvo and stilts are required (XTAP_REQUIRE_TOOLS=1)');

const QUERY = 'SELECT TOP 7 name, ra, dec FROM csc2.master_source ORDER BY name';

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!backend)('async jobs with real clients and owner tokens', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let jobs: JobService;
  let server: Server;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'xtap-clients-'));
  const jobCount = async () => Number((await db.queryObjects<{ n: string }>('SELECT count(*) AS n FROM uws.job'))[0]?.n);

  beforeAll(async () => {
    if (!backend) return;
    ({ db, drop } = await backend.open());
    const { log } = testLogger();
    await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, log);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ XTAP_RESULTS_DIR: dir, XTAP_BASE_URL: base });
    const runner = createQueryRunner({ db, config, catalog: publishedCatalog(), log });
    jobs = createJobService({ db, config, log, runner, options: FAST_JOB_OPTIONS });
    jobs.start();
    server = createHttpServer(createApp({ db, config, log, startedAt: new Date(), runner, jobs }), { maxHeaderBytes: config.requestMaxHeaderBytes });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await jobs?.stop();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasPyvo)('pyvo run_async gets the rows and deletes its job (the owner cookie travels in its session)', async () => {
    const before = await jobCount();
    const r = await run('/usr/bin/python3', ['-c', 'import sys, pyvo; t = pyvo.dal.TAPService(sys.argv[1]).run_async(sys.argv[2]); print(len(t))', `${base}/tap`, QUERY]);
    expect([r.code, r.out.trim()], r.err).toEqual([0, '7']);
    expect(await jobCount()).toBe(before);
  }, 120_000);

  it.skipIf(!hasStilts)('stilts tapquery sync=false gets the rows and deletes its job by URL (no cookies, no Origin)', async () => {
    const before = await jobCount();
    const r = await run('stilts', ['tapquery', `tapurl=${base}/tap`, `adql=${QUERY}`, 'sync=false', 'ofmt=csv', 'out=-', 'delete=finished']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(8);
    expect(await jobCount()).toBe(before);
  }, 180_000);
});
