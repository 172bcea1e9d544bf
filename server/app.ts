/** The Koa application: routes only; each route parses its request and hands over to the pipeline modules. */
import Koa from 'koa';
import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import { publishedCatalog } from '../schema/index.js';
import { daliErrors } from './error-middleware.js';
import { createQueryRunner } from './tap/sql-query-runner.js';
import type { QueryRunner } from './tap/query-runner.js';
import { registerSyncRoutes } from './tap/sync.js';
import { SERVICE_NAME, SERVICE_VERSION } from './tap/result-infos.js';
import { registerDatalinkRoutes } from './datalink/route.js';
import { registerVosiRoutes } from './vosi/index.js';
import { registerExamplesRoutes } from './examples/index.js';
import { registerPageRoutes } from './pages/index.js';
import { registerProductRoutes } from './products/index.js';
import { registerAsyncRoutes } from './routes/async.js';
import type { JobService } from '../uws/index.js';
import { availabilityXml } from './vosi-availability.js';

export interface AppContext {
  db: Db;
  config: Readonly<Config>;
  log: Logger;
  startedAt: Date;
  /** The query pipeline; built from db/config when not given. */
  runner?: QueryRunner;
  /** UWS job service; /tap/async is served only when given. */
  jobs?: JobService;
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
  const runner = ctx.runner ?? createQueryRunner({ db: ctx.db, config: ctx.config, catalog: publishedCatalog(), log: ctx.log });

  app.use(async (k, next) => {
    const reqId = (k.get('x-request-id') || randomUUID()).slice(0, 64);
    const started = Date.now();
    k.set('X-Request-Id', reqId);
    k.set('Server', `${SERVICE_NAME}/${SERVICE_VERSION}`);
    k.state.log = ctx.log.child({ reqId });
    try {
      await next();
    } finally {
      k.state.log.info({ method: k.method, url: k.url, status: k.status, ms: Date.now() - started }, 'request');
    }
  });

  router.get('/health', async (k) => {
    const ok = await isDatabaseUp(ctx.db);
    k.status = ok ? 200 : 503;
    k.body = { status: ok ? 'ok' : 'unavailable', database: ctx.db.kind, upSince: ctx.startedAt.toISOString() };
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

  registerSyncRoutes(router, { runner, config: ctx.config });
  registerDatalinkRoutes(router, { db: ctx.db, config: ctx.config });
  registerProductRoutes(router, { db: ctx.db });
  if (ctx.jobs) registerAsyncRoutes(router, { config: ctx.config, jobs: ctx.jobs });
  registerVosiRoutes(router, { config: ctx.config });
  registerExamplesRoutes(router, { config: ctx.config });
  registerPageRoutes(router, { config: ctx.config });

  app.use(daliErrors(ctx.log));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** Asked on the Db's own health connection: a full query pool does not make the service look down. */
async function isDatabaseUp(db: Db): Promise<boolean> {
  return db.ping();
}
