/** Issue 11 (scale-out): a worker starting next to a sibling died when the sibling's orphan sweep
 *  (PgDb.endOrphanedSessions) ended its lifeline session in the gap between connect and lock. The first case
 *  holds a real lifeline in that gap (a TCP proxy keeps its first statement until released) while a sweep runs;
 *  the second starts many instances at once, each sweeping as a serving process does at start. */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.js';
import type { PgDb } from '../../db/index.js';
import { adminQuery, createTestDatabase } from '../helpers/databases.js';

/** Forwards to PostgreSQL; once the server's first ReadyForQuery has passed, holds what the client sends next
 *  until release(): the session is connected (and named) but has not run a statement. */
function startupThenHoldProxy(target: URL): Promise<{ url: string; held: Promise<void>; release(): void; close(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let markHeld!: () => void;
  const held = new Promise<void>((r) => (markHeld = r));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0); // server bytes not yet split into messages
    let isReady = false;
    upstream.on('data', (chunk: Buffer) => {
      if (!isReady) {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5) {
          const len = pending.readUInt32BE(1);
          if (pending.length < 1 + len) break;
          if (pending[0] === 0x5a) isReady = true; // 'Z' ReadyForQuery: the start-up is over
          pending = pending.subarray(1 + len);
        }
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (!isReady) return void upstream.write(chunk);
      markHeld();
      void released.then(() => upstream.write(chunk));
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const u = new URL(target.toString());
      u.hostname = '127.0.0.1';
      u.port = String((server.address() as net.AddressInfo).port);
      resolve({
        url: u.toString(),
        held,
        release,
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}

async function lifelinePids(url: string, instanceId: number): Promise<number[]> {
  const rows = await adminQuery<{ pid: number }>(url, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`xtap:${instanceId}:lifeline`]);
  return rows.map((r) => r.pid);
}

async function xtapSessions(url: string): Promise<number> {
  const rows = await adminQuery<{ n: string }>(url, 'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name ~ $1', ['^xtap:']);
  return Number(rows[0]?.n);
}

describe('issue 11: a starting lifeline is never taken for a dead process', () => {
  let url: string;
  let drop: () => Promise<void>;
  const opened: PgDb[] = [];
  const open = async (databaseUrl: string) => {
    const db = await openDb({ databaseUrl, dataDir: 'unused', poolSize: 1 });
    opened.push(db);
    return db;
  };
  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase());
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await drop();
  });

  it('a sweep between the lifeline connect and its lock ends nothing, and the lock is then taken', async () => {
    const sweeper = await open(url);
    await sweeper.holdLifeline();
    const proxy = await startupThenHoldProxy(new URL(url));
    try {
      const starting = await open(proxy.url);
      const holding = starting.holdLifeline();
      holding.catch(() => undefined);
      await proxy.held; // connected, first statement not yet at the server

      expect(await sweeper.endOrphanedSessions()).toBe(0);
      expect(await xtapSessions(url)).toBe(3); // the sweeper's lifeline and admin session, the starting lifeline

      proxy.release();
      await expect(holding).resolves.toBeUndefined();
      expect(await lifelinePids(url, starting.instanceId)).toHaveLength(1);
      expect(await sweeper.otherLiveInstances()).toBe(1);
      expect(await sweeper.endOrphanedSessions()).toBe(0);
    } finally {
      proxy.release();
      await Promise.all(opened.splice(0).map((db) => db.close()));
      await proxy.close();
    }
    for (let i = 0; i < 50 && (await xtapSessions(url)) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  });

  it('instances starting together, each sweeping at start, all keep their lifelines while another sweeps in a loop', async () => {
    const rounds = 6;
    const perRound = 6;
    let ended = 0;
    let sweeps = 0;
    const failures: string[] = [];
    const sweeper = await openDb({ databaseUrl: url, dataDir: 'unused', poolSize: 1 });
    try {
      await sweeper.holdLifeline();
      for (let round = 0; round < rounds; round++) {
        const dbs = await Promise.all(Array.from({ length: perRound }, () => openDb({ databaseUrl: url, dataDir: 'unused', poolSize: 1 })));
        let starting = true;
        const sweeping = (async () => {
          while (starting) {
            ended += await sweeper.endOrphanedSessions();
            sweeps++;
          }
        })();
        await Promise.all(
          dbs.map(async (db) => {
            try {
              await db.holdLifeline(); // what prepareRuntime does first
              ended += await db.endOrphanedSessions();
            } catch (err) {
              failures.push(err instanceof Error ? err.message : String(err));
            }
          }),
        );
        starting = false;
        await sweeping;
        for (const db of dbs) expect(await lifelinePids(url, db.instanceId)).toHaveLength(1);
        await Promise.all(dbs.map((db) => db.close()));
        // the next round must not find this one's sessions still ending (they would count as orphans, rightly)
        for (let i = 0; i < 50 && (await xtapSessions(url)) > 2; i++) await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await sweeper.close();
    }
    expect(failures).toEqual([]);
    expect(ended).toBe(0);
    expect(sweeps).toBeGreaterThan(rounds);
  });
});
