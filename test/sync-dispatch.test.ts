/** /tap/sync is dispatched ahead of the router (server/app.ts): it must answer exactly as the router's route does
 *  (same body, same headers, same metrics label), and the per-request logger is made only when something logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { createApp } from '../server/app.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { ServiceMetrics } from '../server/metrics/index.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const backend = testDatabases()[0];
const QUERY = 'SELECT TOP 5 name, ra, dec FROM csc2.master_source ORDER BY name';

/** The real application with a logger at `level`; `lines()` are the JSON log lines written. */
function appAt(db: Db, dir: string, level: string) {
  const written: string[] = [];
  const log = pino({ level }, new Writable({ write: (c: Buffer, _e, cb) => void (written.push(c.toString()), cb()) }));
  const config = loadConfig({ XTAP_RESULTS_DIR: mkdtempSync(join(dir, 'r-')), XTAP_BASE_URL: 'http://xtap.test' });
  const metrics = new ServiceMetrics({ defaultMetrics: false });
  const runner = createQueryRunner({ db, config, catalog: publishedCatalog(), log, metrics });
  const app = createApp({ db, config, log, startedAt: new Date(), runner, metrics });
  return { http: () => request(app.callback()), lines: () => written.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe.skipIf(!backend)(`/tap/sync dispatch on ${backend?.name}`, () => {
  let db: Db;
  let drop: () => Promise<void>;
  const dir = mkdtempSync(join(tmpdir(), 'xtap-dispatch-'));

  beforeAll(async () => {
    if (!backend) return;
    ({ db, drop } = await backend.open());
    await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, testLogger().log);
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as the router route does: same body and headers, one metrics route label', async () => {
    const { http } = appAt(db, dir, 'warn');
    const fast = await http().get('/tap/sync').query({ LANG: 'ADQL', QUERY, RESPONSEFORMAT: 'votable/td' }).set('X-Request-Id', 'same');
    const routed = await http().get('/tap/sync/').query({ LANG: 'ADQL', QUERY, RESPONSEFORMAT: 'votable/td' }).set('X-Request-Id', 'same');
    expect(fast.status).toBe(200);
    expect(routed.status).toBe(200);
    expect(fast.text).toContain('<TR>');
    expect(fast.text).toBe(routed.text);
    const stable = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'date'));
    expect(stable(fast.headers)).toEqual(stable(routed.headers));
    expect(fast.headers['x-request-id']).toBe('same');
    expect(fast.headers['content-security-policy']).toBeDefined();
    expect(fast.headers['access-control-allow-origin']).toBe('*');
    // Methods TAP does not allow: the same 405 both ways.
    expect((await http().put('/tap/sync')).status).toBe(405);
    expect((await http().put('/tap/sync/')).status).toBe(405);
    const m = await http().get('/metrics');
    expect(/xtap_http_requests_total\{method="GET",route="\/tap\/sync",status="200"\} (\d+)/.exec(m.text)?.[1]).toBe('2');
    expect(/xtap_http_requests_total\{method="PUT",route="\/tap\/sync",status="405"\} (\d+)/.exec(m.text)?.[1]).toBe('2');
  });

  it('logs each request with its id at info, and nothing per request at warn', async () => {
    const info = appAt(db, dir, 'info');
    await info.http().get('/tap/sync').query({ LANG: 'ADQL', QUERY }).set('X-Request-Id', 'req-7').expect(200);
    await info.http().get('/tap/sync').query({ LANG: 'ADQL', QUERY: 'SELECT nope FROM csc2.master_source' }).set('X-Request-Id', 'req-8').expect(400);
    const lines = info.lines().filter((l) => l.msg === 'request');
    expect(lines).toEqual([
      expect.objectContaining({ reqId: 'req-7', method: 'GET', status: 200 }),
      expect.objectContaining({ reqId: 'req-8', method: 'GET', status: 400 }),
    ]);
    const warn = appAt(db, dir, 'warn');
    const r = await warn.http().get('/tap/sync').query({ LANG: 'ADQL', QUERY });
    expect(r.status).toBe(200);
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(warn.lines()).toEqual([]);
  });
});
