/** Prometheus metrics (prom-client) for one service instance: HTTP requests, latency and bytes by route, result
 *  rows and query outcomes, UWS jobs by phase and the database pool (read at scrape time). Each app owns its
 *  registry, so tests can run several apps in one process. Served as GET /metrics (text format 0.0.4). */
import type Koa from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueryMode } from '../../query/query-runner.js';

export type QueryOutcome = 'OK' | 'OVERFLOW' | 'ERROR' | 'CANCELLED';

/** Counts of the database pool, when the adapter exposes them. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface ScrapeSources {
  /** Jobs per UWS phase, read when /metrics is scraped. */
  jobsByPhase?: () => Promise<Record<string, number>>;
  pool?: () => PoolStats | undefined;
  /** Read replicas (DATABASE_URL_REPLICAS): health as last checked, and queries run per target so far. */
  replicas?: () => { status: ReadonlyArray<{ name: string; healthy: boolean }>; routes: Record<string, number> } | undefined;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;
  private readonly bytes: Counter<'route'>;
  private readonly rows: Counter<'mode'>;
  private readonly queries: Counter<'mode' | 'outcome'>;
  private sources: ScrapeSources = {};

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'xtap_' });
    this.requests = new Counter({ name: 'xtap_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['method', 'route', 'status'], registers });
    this.latency = new Histogram({
      name: 'xtap_http_request_duration_seconds',
      help: 'Time from request to the last byte of the response (or the client leaving)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600],
      registers,
    });
    this.bytes = new Counter({ name: 'xtap_http_response_bytes_total', help: 'Bytes written in responses (headers included), by route', labelNames: ['route'], registers });
    this.rows = new Counter({ name: 'xtap_query_rows_total', help: 'Result rows written, by mode (sync, async)', labelNames: ['mode'], registers });
    this.queries = new Counter({ name: 'xtap_queries_total', help: 'TAP queries by mode and how they ended', labelNames: ['mode', 'outcome'], registers });
    const self = this;
    new Gauge({
      name: 'xtap_uws_jobs',
      help: 'UWS jobs stored, by phase',
      labelNames: ['phase'],
      registers,
      async collect() {
        this.reset();
        const counts = await self.sources.jobsByPhase?.().catch(() => undefined);
        for (const [phase, n] of Object.entries(counts ?? {})) this.set({ phase }, n);
      },
    });
    new Gauge({
      name: 'xtap_db_pool_connections',
      help: 'Database pool connections: total, idle, and requests waiting for one',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const s = self.sources.pool?.();
        if (!s) return;
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });
    new Gauge({
      name: 'xtap_db_replica_up',
      help: 'Read replica health as last checked (1 up, 0 down), by replica (replica0, replica1, … in DATABASE_URL_REPLICAS order)',
      labelNames: ['replica'],
      registers,
      collect() {
        this.reset();
        for (const r of self.sources.replicas?.()?.status ?? []) this.set({ replica: r.name }, r.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'xtap_db_query_sessions',
      help: 'TAP query sessions taken since start, by target (primary, replica<i>); only with read replicas',
      labelNames: ['target'],
      registers,
      collect() {
        this.reset();
        for (const [target, n] of Object.entries(self.sources.replicas?.()?.routes ?? {})) this.set({ target }, n);
      },
    });
  }

  /** Where the scrape-time gauges read from (set once the job service and database exist). */
  setSources(sources: ScrapeSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** One finished query: its outcome and the rows it wrote. */
  query(mode: QueryMode, outcome: QueryOutcome, rows = 0): void {
    this.queries.inc({ mode, outcome });
    if (rows > 0) this.rows.inc({ mode }, rows);
  }

  /** Koa middleware timing every request until its response is finished or abandoned. `route` is the
   *  matched route pattern (never the raw URL, so job ids do not make new series). */
  middleware(): Koa.Middleware {
    return async (k, next) => {
      const started = process.hrtime.bigint();
      const socket = k.req.socket;
      const before = socket.bytesWritten;
      let recorded = false;
      const record = () => {
        if (recorded) return;
        recorded = true;
        const route = routeLabel(k);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.requests.inc({ method: k.method, route, status: String(k.res.writableFinished ? k.status : 499) });
        this.latency.observe({ method: k.method, route }, seconds);
        this.bytes.inc({ route }, Math.max(0, socket.bytesWritten - before));
      };
      k.res.once('finish', record);
      k.res.once('close', record);
      await next();
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The route pattern a request matched (@koa/router sets ctx._matchedRoute), or a fixed label. */
function routeLabel(k: Koa.Context): string {
  const matched = (k as unknown as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  return k.method === 'OPTIONS' ? 'preflight' : 'unmatched';
}
