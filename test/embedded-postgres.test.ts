/** The embedded cluster's life cycle on a real data directory: first start initialises, a restart keeps the data,
 *  a postmaster left by a killed owner is shut down and replaced, one whose owner lives is shared, and a stale
 *  lock file does not block the next start. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { readPostmasterPid, startEmbeddedPostgres } from '../db/embedded-postgres.js';
import type { EmbeddedCluster } from '../db/embedded-postgres.js';

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'xtap-embedded-'));
const started: EmbeddedCluster[] = [];

async function sql(url: string, text: string): Promise<unknown> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(text);
    return (Array.isArray(r) ? r[r.length - 1] : r).rows[0];
  } finally {
    await c.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid ?? 999_999;
}

afterAll(async () => {
  for (const c of started.reverse()) await c.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded PostgreSQL cluster', () => {
  it('initialises on first start, keeps its data across a restart, and stops', async () => {
    const a = await startEmbeddedPostgres(dir, quiet);
    started.push(a);
    expect(a.owned).toBe(true);
    expect(await sql(a.url, 'SELECT current_setting(\'server_version_num\')::int >= 150000 AS ok')).toEqual({ ok: true });
    await sql(a.url, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    await a.stop();
    expect(readPostmasterPid(a.dataDir)).toBeUndefined();
    const b = await startEmbeddedPostgres(dir, quiet);
    started.push(b);
    expect(await sql(b.url, 'SELECT x FROM kept')).toEqual({ x: 42 });
  });

  it('shares the postmaster of a live owner and replaces the one of a dead owner', async () => {
    const current = started[started.length - 1] as EmbeddedCluster;
    const before = readPostmasterPid(current.dataDir);
    expect(before && alive(before.pid)).toBe(true);

    const owner = spawn('sleep', ['30']);
    writeFileSync(join(dir, 'owner.pid'), `${owner.pid}\n`);
    const shared = await startEmbeddedPostgres(dir, quiet);
    expect(shared.owned).toBe(false);
    expect(readPostmasterPid(current.dataDir)?.pid).toBe(before?.pid);
    expect(await sql(shared.url, 'SELECT x FROM kept')).toEqual({ x: 42 });
    owner.kill('SIGKILL');

    writeFileSync(join(dir, 'owner.pid'), `${await deadPid()}\n`);
    const replaced = await startEmbeddedPostgres(dir, quiet);
    started.push(replaced);
    expect(replaced.owned).toBe(true);
    expect(alive(before?.pid ?? 0)).toBe(false);
    const after = readPostmasterPid(replaced.dataDir);
    expect(after?.pid).not.toBe(before?.pid);
    expect(Number(readFileSync(join(dir, 'owner.pid'), 'utf8'))).toBe(process.pid);
    expect(await sql(replaced.url, 'SELECT x FROM kept')).toEqual({ x: 42 });
  });

  it('starts over a stale lock file whose process is gone', async () => {
    const current = started[started.length - 1] as EmbeddedCluster;
    await current.stop();
    const lock = join(current.dataDir, 'postmaster.pid');
    writeFileSync(lock, `${await deadPid()}\n${current.dataDir}\n1700000000\n5432\n\n127.0.0.1\n  5432001    123456\nready   \n`);
    const next = await startEmbeddedPostgres(dir, quiet);
    started.push(next);
    expect(await sql(next.url, 'SELECT x FROM kept')).toEqual({ x: 42 });
  });
});

describe('an embedded cluster used by two processes', () => {
  it('is left running for a live user when its starter closes, and stopped by the last user', async () => {
    const home = mkdtempSync(join(tmpdir(), 'xtap-users-'));
    const a = await startEmbeddedPostgres(home, quiet);
    const pm = readPostmasterPid(a.dataDir)?.pid ?? 0;
    const other = spawn('sleep', ['60']); // stands for a server that started while a CLI ingest ran
    writeFileSync(join(home, 'users', String(other.pid)), '');
    try {
      await a.stop();
      expect(alive(pm)).toBe(true);
      const b = await startEmbeddedPostgres(home, quiet);
      expect(b.owned).toBe(false);
      expect(await sql(b.url, 'SELECT 1 AS one')).toEqual({ one: 1 });
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
      await b.stop();
      expect(alive(pm)).toBe(false);
    } finally {
      other.kill('SIGKILL');
      if (alive(pm)) process.kill(pm, 'SIGINT');
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('a PostgreSQL server that restarts under the service', () => {
  it('fails the statements of the lost sessions cleanly and serves again once the server is back', async () => {
    const { PgDb } = await import('../db/pg-adapter.js');
    const home = mkdtempSync(join(tmpdir(), 'xtap-restart-'));
    const first = await startEmbeddedPostgres(home, quiet);
    const port = Number(new URL(first.url).port);
    const warnings: string[] = [];
    const db = new PgDb(first.url, { poolSize: 2, acquireTimeoutMs: 2_000, log: { ...quiet, warn: (_o, m) => warnings.push(m) } });
    let current = first;
    try {
      expect((await db.query('SELECT 1')).rows).toEqual([[1]]);
      // a stream held open across the restart: its next read fails, nothing is thrown unhandled
      const stream = db.stream('SELECT g FROM generate_series(1, 1000000) g', [], { batchSize: 10 });
      expect((await stream.next()).value).toHaveLength(10);
      await first.stop();
      const failure = await (async () => {
        try {
          for (;;) if ((await stream.next()).done) return undefined;
        } catch (err) {
          return err;
        }
      })();
      expect(failure).toMatchObject({ name: 'DbError', code: expect.stringMatching(/^(57P01|08006)$/) });
      await expect(db.query('SELECT 1')).rejects.toMatchObject({ name: 'DbError', code: '08006' });
      // every statement method, not only query(): a job page read with queryObjects answered HTTP 500 here
      await expect(db.queryObjects('SELECT 1 AS one')).rejects.toMatchObject({ name: 'DbError', code: '08006' });
      await expect(db.exec('SELECT 1')).rejects.toMatchObject({ name: 'DbError', code: '08006' });
      expect(await db.ping()).toBe(false);
      current = await startEmbeddedPostgres(home, quiet, { port });
      expect((await db.query('SELECT 2')).rows).toEqual([[2]]);
      expect(await db.ping()).toBe(true);
      const again: unknown[] = [];
      for await (const rows of db.stream('SELECT g FROM generate_series(1, 25) g', [], { batchSize: 10 })) again.push(...rows);
      expect(again).toHaveLength(25);
      expect(warnings.some((w) => /session ended/.test(w))).toBe(true);
    } finally {
      await db.close();
      await current.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
