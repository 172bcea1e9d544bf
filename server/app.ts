/** The Koa application: routes only; each route parses its request and hands over to the pipeline modules. */
import Koa from 'koa';
import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { daliErrors } from './error-middleware.js';
import { createQueryRunner } from '../query/sql-query-runner.js';
import type { QueryRunner } from '../query/query-runner.js';
import { registerSyncRoutes, SYNC_PATH } from './tap/sync.js';
import { registerDatalinkRoutes } from './datalink/route.js';
import { registerVosiRoutes } from './vosi/index.js';
import { registerRegistryRoutes } from './registry/index.js';
import { registerExamplesRoutes } from './examples/index.js';
import { registerPageRoutes } from './pages/index.js';
import { registerModelCardRoutes, registerProductRoutes } from './products/index.js';
import { registerAsyncRoutes } from './routes/async.js';
import type { JobService } from '../uws/index.js';
import { availabilityXml } from './vosi-availability.js';
import { MIGRATIONS, PgDb } from '../db/index.js';
import { ServiceMetrics } from './metrics/index.js';
import type { PoolStats } from './metrics/index.js';
import { SERVER_HEADER, corsForVoClients, securityHeaders } from './http-hardening.js';

export interface AppContext {
  db: Db;
  config: Readonly<Config>;
  log: Logger;
  startedAt: Date;
  /** The query pipeline; built from db/config when not given. */
  runner?: QueryRunner;
  /** UWS job service; /tap/async is served only when given. */
  jobs?: JobService;
  /** Prometheus metrics shared with the runner; a fresh set when not given. */
  metrics?: ServiceMetrics;
}

export function createApp(ctx: AppContext): Koa {
  const app = new Koa();
  app.proxy = true;
  // Koa reports stream errors here; a client that hangs up mid-download is normal, not a service error.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      ctx.log.debug({ code: err.code }, 'client closed the connection early');
      return;
    }
    ctx.log.error({ err }, 'unhandled application error');
  });
  const router = new Router();
  const metrics = ctx.metrics ?? new ServiceMetrics({ defaultMetrics: false });
  metrics.setSources({
    jobsByPhase: ctx.jobs ? () => jobsByPhase(ctx.db) : undefined,
    pool: () => poolStats(ctx.db),
    replicas: () => replicaStats(ctx.db),
  });
  const runner = ctx.runner ?? createQueryRunner({ db: ctx.db, config: ctx.config, catalog: publishedCatalog(), log: ctx.log, metrics });

  app.use(metrics.middleware());
  app.use(async (k, next) => {
    const given = k.get('x-request-id');
    const reqId = (given && given.replace(/[^\x21-\x7e]/g, '').slice(0, 64)) || randomUUID();
    const started = Date.now();
    k.set('X-Request-Id', reqId);
    k.set('Server', SERVER_HEADER);
    // The request's child logger is made on first use: pino's child() serialises (and redacts) its bindings, a
    // quarter of this middleware's CPU, and at LOG_LEVEL=warn a request that logs nothing needs none.
    let log: Logger | undefined;
    Object.defineProperty(k.state, 'log', {
      get: () => (log ??= ctx.log.child({ reqId })),
      set: (v: Logger) => {
        log = v;
      },
      enumerable: true,
      configurable: true,
    });
    try {
      await next();
    } finally {
      if (ctx.log.isLevelEnabled('info')) (k.state.log as Logger).info({ method: k.method, url: k.url, status: k.status, ms: Date.now() - started }, 'request');
    }
  });

  app.use(securityHeaders({ https: ctx.config.baseUrl.startsWith('https:') }));
  app.use(corsForVoClients());

  // Liveness: the process answers (no database call: a slow database must not get a live process restarted).
  router.get('/live', (k) => {
    k.set('Cache-Control', 'no-store');
    k.body = { status: 'ok', upSince: ctx.startedAt.toISOString() };
  });
  // Readiness: the database answers and every migration of this version is applied.
  router.get('/ready', async (k) => {
    const state = await readiness(ctx.db);
    k.set('Cache-Control', 'no-store');
    k.status = state.ready ? 200 : 503;
    k.body = state;
  });
  router.get('/health', async (k) => {
    const ok = await isDatabaseUp(ctx.db);
    k.set('Cache-Control', 'no-store');
    k.status = ok ? 200 : 503;
    k.body = { status: ok ? 'ok' : 'unavailable', database: ctx.db.kind, upSince: ctx.startedAt.toISOString() };
  });
  router.get('/metrics', async (k) => {
    const token = ctx.config.metricsToken;
    if (token !== undefined && k.get('Authorization') !== `Bearer ${token}`) {
      k.status = 401;
      k.set('WWW-Authenticate', 'Bearer realm="metrics"');
      k.body = 'metrics need the bearer token set in XTAP_METRICS_TOKEN\n';
      return;
    }
    const { contentType, body } = await metrics.render();
    k.set('Cache-Control', 'no-store');
    k.type = contentType;
    k.body = body;
  });

  router.get('/tap/availability', async (k) => {
    const ok = await isDatabaseUp(ctx.db);
    k.type = 'text/xml; charset=utf-8';
    k.body = availabilityXml(ok, ctx.startedAt, ok ? 'xtap is accepting queries' : 'the database does not answer');
  });
  router.all('/tap/availability', (k) => {
    k.status = 405;
    k.set('Allow', 'GET, HEAD');
  });

  const sync = registerSyncRoutes(router, { runner, config: ctx.config, log: ctx.log.child({ component: 'spool' }) });
  registerDatalinkRoutes(router, { db: ctx.db, config: ctx.config });
  registerProductRoutes(router, { db: ctx.db });
  registerModelCardRoutes(router, { db: ctx.db });
  if (ctx.jobs) registerAsyncRoutes(router, { config: ctx.config, jobs: ctx.jobs });
  registerVosiRoutes(router, { config: ctx.config });
  registerRegistryRoutes(router, { config: ctx.config, startedAt: ctx.startedAt });
  registerExamplesRoutes(router, { config: ctx.config });
  registerPageRoutes(router, { config: ctx.config });

  app.use(daliErrors(ctx.log));
  // /tap/sync, the path of every small query, is dispatched before the router: @koa/router tests every route's
  // pattern and composes a middleware chain per request (~4 % of a TOP 1's server CPU). The route stays in the
  // router too, for the spellings it also matches (trailing slash, other letter case).
  app.use((k, next) => {
    if (k.path !== SYNC_PATH) return next();
    (k as unknown as { _matchedRoute: string })._matchedRoute = SYNC_PATH; // the metrics' route label, as the router sets it
    return sync(k, next);
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

async function readiness(db: Db): Promise<{ ready: boolean; database: string; migrations?: { expected: number; applied: number }; reason?: string }> {
  try {
    const versions = MIGRATIONS.map((m) => m.version);
    const r = await db.query('SELECT count(*)::int FROM xtap.schema_migrations WHERE version = ANY($1::int[])', [versions]);
    const applied = Number(r.rows[0]?.[0] ?? 0);
    const ready = applied === versions.length;
    return { ready, database: 'up', migrations: { expected: versions.length, applied }, ...(ready ? {} : { reason: 'migrations are not all applied' }) };
  } catch {
    return { ready: false, database: 'down', reason: 'the database does not answer' };
  }
}

async function jobsByPhase(db: Db): Promise<Record<string, number>> {
  const r = await db.query('SELECT phase, count(*)::int FROM uws.job GROUP BY phase');
  return Object.fromEntries(r.rows.map((row) => [String(row[0]), Number(row[1])]));
}

/** Read replicas of the pg adapter, when there are any. */
function replicaStats(db: Db): { status: ReadonlyArray<{ name: string; healthy: boolean }>; routes: Record<string, number> } | undefined {
  if (!(db instanceof PgDb)) return undefined;
  const status = db.replicaStatus();
  return status.length ? { status, routes: db.queryRoutes() } : undefined;
}

/** Connection counts of the query pool. */
function poolStats(db: Db): PoolStats {
  return db.queryPoolStats();
}

/** Asked on the Db's own health connection: a full query pool does not make the service look down. */
async function isDatabaseUp(db: Db): Promise<boolean> {
  return db.ping();
}
