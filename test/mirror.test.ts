import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../db/index.js';
import { MIGRATIONS, migrate, publishTapSchema } from '../db/index.js';
import { silentProgress } from '../ingest/index.js';
import { MIRROR_TABLES, mirrorTap } from '../mirror/index.js';
import { PUBLISHED_SCHEMAS } from '../schema/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { countRows, runCliWith } from './helpers/cli.js';
import { testDatabases } from './helpers/databases.js';
import { testLogger } from './helpers/logger.js';

const PRIMARY_KEYS: Record<string, string> = {
  master_source: 'name',
  stack_source: 'detect_stack_id, region_id',
  observation_source: 'obsid, obi, region_id',
  master_stack_assoc: 'name, detect_stack_id, region_id',
  stack_observation_assoc: 'detect_stack_id, region_id, obsid, obi',
};

/** MAXREC of the chunk queries: small enough that the sample's fields (~400 sources in a few arcminutes) split. */
const PAGE = 300;
/** A mirror of the sample makes some hundred TAP queries of ~0.1 s each. */
const SLOW = 300_000;

/** Row count and an md5 over every column of every row (in primary-key order), per csc2 table. */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of MIRROR_TABLES) {
    const r = await db.query(`SELECT count(*)::text || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY ${PRIMARY_KEYS[t]})), '-') FROM csc2.${t} AS x`);
    out[t] = String(r.rows[0]?.[0]);
  }
  return out;
}

// Two xtap instances on two databases: the remote serves TAP over a real socket with the bundled sample; the local
// one starts empty and mirrors it.
describe.each(testDatabases())('xtap mirror from a second xtap on $name', (backend) => {
  let remote: TestApp;
  let server: Server;
  let base: string;
  let tapUrl: string;
  let expected: Record<string, string>;
  const cleanups: Array<() => Promise<void>> = [];
  const { log } = testLogger();
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-mirror-'));

  async function emptyInstance(): Promise<{ db: Db; url: string }> {
    const { db, url, drop } = await backend.open();
    cleanups.push(drop);
    await migrate(db, MIGRATIONS);
    await publishTapSchema(db, PUBLISHED_SCHEMAS);
    return { db, url };
  }

  beforeAll(async () => {
    remote = await openTestApp(backend);
    server = remote.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tapUrl = `${base}/tap`;
    expected = await fingerprint(remote.db);
  });
  afterAll(async () => {
    server.close();
    await remote.close();
    for (const c of cleanups) await c();
  });

  it('reproduces every csc2 table row for row (count and checksum), splitting chunks that reach MAXREC, and classifies on ingest', async () => {
    for (const t of MIRROR_TABLES) expect(Number(expected[t]?.split(' ')[0])).toBeGreaterThan(0);
    const { db } = await emptyInstance();
    const report = await mirrorTap(db, { from: tapUrl, pageSize: PAGE, log, progress: silentProgress });
    expect(await fingerprint(db)).toEqual(expected);
    expect(report.chunks.split).toBeGreaterThan(0);
    const masters = Number((await db.query('SELECT count(*) FROM csc2.master_source')).rows[0]?.[0]);
    expect(report.classified).toBe(masters);
    const classified = await db.query('SELECT count(DISTINCT name) FROM ml.source_class');
    expect(Number(classified.rows[0]?.[0])).toBe(masters);
  }, SLOW);

  it('resumes an interrupted mirror (crash inside a chunk transaction) without duplicates or a partial chunk', async () => {
    const { db } = await emptyInstance();
    const stateFile = join(tmp, 'interrupted.json');
    // crash inside the second stack_source chunk that brings rows: they are in the open transaction, then gone
    let withRows = 0;
    let seen = 0;
    const crash = async (table: string, _chunk: string, tx: { query(sql: string): Promise<{ rows: unknown[][] }> }) => {
      if (table !== 'stack_source') return;
      const inTx = Number((await tx.query('SELECT count(*) FROM csc2.stack_source')).rows[0]?.[0]);
      if (inTx > seen) withRows++;
      if (withRows === 2) throw new Error('simulated crash');
      seen = inTx;
    };
    await expect(mirrorTap(db, { from: tapUrl, pageSize: PAGE, stateFile, log, progress: silentProgress, onChunkLoaded: crash })).rejects.toThrow('simulated crash');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { done: Record<string, string[]> };
    const doneStacks = state.done.stack_source?.length ?? 0;
    const partial = await fingerprint(db);
    expect(partial.master_source).toBe(expected.master_source);
    expect(partial.stack_source).toBe(`${seen} ${(await fingerprint(db)).stack_source?.split(' ')[1]}`);
    expect(seen).toBeGreaterThan(0);
    expect(partial.stack_source).not.toBe(expected.stack_source);
    const report = await mirrorTap(db, { from: tapUrl, pageSize: PAGE, stateFile, log, progress: silentProgress });
    expect(report.chunks.skipped).toBeGreaterThanOrEqual((state.done.master_source?.length ?? 0) + doneStacks);
    expect(report.rows.master_source ?? 0).toBe(0);
    expect(await fingerprint(db)).toEqual(expected);
  }, SLOW);

  describe('command line', () => {
    let env: Record<string, string>;
    const stderr: string[] = [];
    beforeAll(async () => {
      const { db, url } = await emptyInstance();
      await db.close();
      env = { DATABASE_URL: url, XTAP_DATA_DIR: join(tmp, 'unused'), LOG_LEVEL: 'silent' };
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr.push(String(chunk));
        return true;
      });
    });
    afterAll(() => {
      vi.restoreAllMocks();
    });
    const run = (args: string[]) => runCliWith(env, args);
    const count = () => countRows(env, 'csc2.master_source');

    it('fails with a clear message and exit code 1, loading nothing, on an unreachable or non-TAP URL', async () => {
      stderr.length = 0;
      expect(await run(['mirror', '--from', 'http://127.0.0.1:1/tap', '--state', join(tmp, 'a.json')])).toBe(1);
      expect(stderr.join('')).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1\/tap\/sync/);
      stderr.length = 0;
      expect(await run(['mirror', '--from', `${base}/`, '--state', join(tmp, 'b.json')])).toBe(1);
      expect(stderr.join('')).toMatch(/is not a TAP service/);
      expect(await count()).toBe(0);
    });

    it('rejects an unknown table with exit code 2', async () => {
      stderr.length = 0;
      expect(await run(['mirror', '--from', tapUrl, '--tables', 'master_source,gaia_source'])).toBe(2);
      expect(stderr.join('')).toMatch(/unknown table\(s\) gaia_source/);
      expect(await count()).toBe(0);
    });

    it('mirrors the chosen table and exits 0', async () => {
      expect(await run(['mirror', '--from', tapUrl, '--tables', 'master_source', '--state', join(tmp, 'cli.json'), '--no-classify'])).toBe(0);
      expect(await count()).toBe(Number(expected.master_source?.split(' ')[0]));
    }, SLOW);
  });
});
