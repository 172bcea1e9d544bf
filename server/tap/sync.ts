/** /tap/sync (TAP 1.1 §2.1): GET and POST run the query and stream the result in the response body. A client
 *  that disconnects aborts the query (cursor closed, statement cancelled). The status line waits for the first
 *  batch of rows, so a query that fails in the database before its first row is a DALI error (400/408/503).
 *  A download whose client is slower than the database is spooled to a temporary file (./spool.ts). */
import type Router from '@koa/router';
import type Koa from 'koa';
import type { Config } from '../../config/index.js';
import { readTapParams, requestLimits } from './params.js';
import { Spooler, type SpoolLog } from './spool.js';
import type { QueryRunner } from '../../query/query-runner.js';
import { withDeadline } from './deadline.js';
import { DaliError } from '../errors.js';
import { readAhead } from './read-ahead.js';

/** A result document that is complete within this many bytes and milliseconds after its first batch is sent as
 *  one buffer with a Content-Length (./read-ahead.ts); anything larger or slower streams through the spooler. */
const WHOLE_BODY_BYTES = 256 * 1024;
const WHOLE_BODY_MS = 25;

export interface SyncDeps {
  runner: QueryRunner;
  config: Readonly<Config>;
  log?: SpoolLog;
  /** Shared by the downloads of this app; made from config.spool when not given. */
  spooler?: Spooler;
}

export function spoolerFor(config: Readonly<Config>, log?: SpoolLog): Spooler {
  const s = config.spool;
  return new Spooler({ dir: s.dir, afterMs: s.afterMs, maxBytes: s.maxBytes, pacedLimit: Math.max(0, config.db.poolSize - s.poolReserve), log });
}

export const SYNC_PATH = '/tap/sync';

export function registerSyncRoutes(router: Router, deps: SyncDeps): Koa.Middleware {
  const handler = syncHandler(deps);
  router.all(SYNC_PATH, handler);
  return handler;
}

/** The /tap/sync handler (any method: the ones TAP does not allow get 405). */
export function syncHandler(deps: SyncDeps): Koa.Middleware {
  const spooler = deps.spooler ?? spoolerFor(deps.config, deps.log);
  return async (ctx) => {
    if (ctx.method !== 'GET' && ctx.method !== 'POST' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, POST');
      return;
    }
    const params = await readTapParams(ctx, requestLimits(deps.config.limits));
    const abort = new AbortController();
    // Until the status line, every step is bounded (statement timeout, pool acquire timeout); this bound catches a
    // database session that dies without telling its client (seen once around a PostgreSQL restart), so a request
    // cannot wait forever for its first row.
    const { limits, db } = deps.config;
    const acquireS = db.acquireTimeoutMs / 1000;
    // prepare: uploads (fetch + load) and translation; open: describe + the query up to its first row.
    const prepareMs = (limits.uploadTimeoutS + limits.syncQueryTimeoutS + 2 * acquireS + 30) * 1000;
    const openMs = (2 * limits.syncQueryTimeoutS + 2 * acquireS + 5) * 1000;
    const expired = (ms: number) => () => {
      deps.log?.warn({ ms }, 'sync query: no answer from the database within the bound; answered 503');
      abort.abort();
      return new DaliError('UNAVAILABLE', `the database did not answer within ${ms / 1000} s; please retry`);
    };
    let prepared;
    try {
      prepared = await withDeadline(deps.runner.prepare(params, 'sync'), prepareMs, expired(prepareMs), (late) => void late.cleanup());
    } catch (err) {
      params.cleanup();
      throw err;
    }
    let body: AsyncIterableIterator<Uint8Array> | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      params.cleanup();
      void prepared.cleanup();
    };
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) {
        abort.abort();
        void body?.return?.();
      }
      finish();
    });
    try {
      // Headers go out only after the first batch: a query that fails before its first row gets the error document.
      body = await withDeadline(prepared.open(abort.signal), openMs, expired(openMs), (late) => void late.return?.());
    } catch (err) {
      finish();
      throw err;
    }
    const ahead = await readAhead(body, WHOLE_BODY_BYTES, WHOLE_BODY_MS);
    body = ahead.kind === 'stream' ? ahead.body : undefined;
    if (ahead.kind === 'whole' && !finished) {
      // The query is over: release its upload tables before the answer goes out, so a client's next request never
      // sees them (regression: test/uploads "drops upload tables after the query" raced the response).
      finished = true;
      params.cleanup();
      await prepared.cleanup();
    }
    ctx.status = 200;
    ctx.type = prepared.contentType;
    ctx.set('Cache-Control', ctx.method === 'POST' ? 'no-store' : 'private, max-age=0');
    // A small result in one write; a client slower than the database is served from a spool file, so that it does
    // not hold a connection.
    ctx.body = ahead.kind === 'whole' ? ahead.body : spooler.stream(ahead.body);
  };
}
