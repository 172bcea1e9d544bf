/** Read replicas of the primary (DATABASE_URL_REPLICAS): TAP queries (stream, fetchAll, copyOut) are spread over
 *  the healthy replicas round-robin; everything else — migrations, ingest, the UWS job store, upload tables and
 *  the queries that read them — stays on the primary (db/pg-adapter.ts decides). A replica is checked every
 *  few seconds (SELECT on its own control pool, with a timeout); one that does not answer, or whose sessions
 *  cannot be opened, is skipped until it answers again, and with none healthy queries run on the primary.
 *  A streaming replica lags its primary by its replay delay (logged by the check): rows ingested a moment ago
 *  may not be visible there yet. */
import pg from 'pg';
import type { DbLog } from './pg-adapter.js';

export interface Replica {
  /** replica<i>: names its sessions (xtap:<instance>:replica<i>) and its routing counter. */
  readonly name: string;
  /** Host and port only (the URL carries credentials: never log it). */
  readonly where: string;
  pool: pg.Pool;
  /** pg_cancel_backend of this replica's queries, and the health check. */
  control: pg.Pool;
  healthy: boolean;
  url: string;
}

export type PoolFactory = (url: string, o: { max: number; acquireTimeoutMs: number; name: string; log: DbLog; queryTimeoutMs?: number }) => pg.Pool;

export interface ReplicaSetOptions {
  instanceId: number;
  poolSize: number;
  acquireTimeoutMs: number;
  log: DbLog;
  makePool: PoolFactory;
  /** Health-check period (ms). */
  checkMs?: number;
}

/** `url` with the user and password of `credentials` (the query role's, once it is set up). */
export function withCredentials(url: string, credentials: string): string {
  const u = new URL(url);
  const c = new URL(credentials);
  u.username = c.username;
  u.password = c.password;
  return u.toString();
}

export class ReplicaSet {
  readonly replicas: Replica[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    urls: ReadonlyArray<string>,
    private readonly o: ReplicaSetOptions,
  ) {
    this.replicas = urls.map((url, i) => {
      const name = `replica${i}`;
      const u = new URL(url);
      return { name, where: `${u.hostname}:${u.port || '5432'}`, url, healthy: true, pool: this.queryPool(url, name), control: this.controlPool(url, name) };
    });
    if (this.replicas.length) {
      void this.check();
      this.timer = setInterval(() => void this.check(), o.checkMs ?? 5_000);
      this.timer.unref();
    }
  }

  private queryPool(url: string, name: string): pg.Pool {
    return this.o.makePool(url, { max: this.o.poolSize, acquireTimeoutMs: this.o.acquireTimeoutMs, name: `xtap:${this.o.instanceId}:${name}`, log: this.o.log });
  }

  private controlPool(url: string, name: string): pg.Pool {
    return this.o.makePool(url, { max: 2, acquireTimeoutMs: 2_000, name: `xtap:${this.o.instanceId}:${name}-control`, log: this.o.log, queryTimeoutMs: 2_000 });
  }

  /** The next healthy replica, round-robin; undefined when there is none (queries go to the primary). */
  pick(): Replica | undefined {
    const n = this.replicas.length;
    for (let k = 0; k < n; k++) {
      const r = this.replicas[(this.next + k) % n];
      if (r?.healthy) {
        this.next = (this.next + k + 1) % n;
        return r;
      }
    }
    return undefined;
  }

  markDown(r: Replica, err: unknown): void {
    if (r.healthy) this.o.log.warn({ replica: r.name, at: r.where, err: err instanceof Error ? err.message : String(err) }, 'read replica unavailable; its queries go elsewhere');
    r.healthy = false;
  }

  /** One health check of every replica. */
  async check(): Promise<void> {
    await Promise.all(
      this.replicas.map(async (r) => {
        try {
          const res = await r.control.query<{ standby: boolean; lag_s: number | null }>(
            'SELECT pg_is_in_recovery() AS standby, extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS lag_s',
          );
          const row = res.rows[0];
          if (!r.healthy) this.o.log.info({ replica: r.name, at: r.where, standby: row?.standby, lagS: row?.lag_s }, 'read replica available again');
          else this.o.log.debug({ replica: r.name, standby: row?.standby, lagS: row?.lag_s }, 'read replica checked');
          r.healthy = true;
        } catch (err) {
          this.markDown(r, err);
        }
      }),
    );
  }

  /** Query sessions from now on log in with these credentials (the read-only query role, which the replicas
   *  have from their primary). */
  async useCredentials(queryUrl: string): Promise<void> {
    const old = this.replicas.map((r) => r.pool);
    for (const r of this.replicas) {
      r.url = withCredentials(r.url, queryUrl);
      r.pool = this.queryPool(r.url, r.name);
    }
    await Promise.all(old.map((p) => p.end().catch(() => undefined)));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.replicas.flatMap((r) => [r.pool.end(), r.control.end()]).map((p) => p.catch(() => undefined)));
  }
}
