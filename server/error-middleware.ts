/** Turns every error of a request into a DALI error document (VOTable with QUERY_STATUS=ERROR) with the right
 *  HTTP status, before any byte of a response was sent. Errors after the headers (mid-stream) are handled by
 *  the encoders, which close the document with a trailing ERROR INFO. */
import type Koa from 'koa';
import type { Logger } from 'pino';
import { errorVotable } from '../votable/error-document.js';
import { describeError } from '../query/describe-error.js';

export function daliErrors(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.type = 'application/x-votable+xml';
        ctx.body = errorVotable(`no such resource: ${ctx.path}`);
      } else if (ctx.status === 405 && (ctx.body === undefined || ctx.body === null || ctx.body === 'Method Not Allowed')) {
        ctx.type = 'application/x-votable+xml';
        ctx.body = errorVotable(`method ${ctx.method} is not allowed on ${ctx.path}`);
        ctx.status = 405;
      }
    } catch (err) {
      const reqLog: Logger = (ctx.state.log as Logger | undefined) ?? log;
      const { status, message } = describeError(err, reqLog);
      if (ctx.headerSent) {
        reqLog.error({ err }, 'error after the response started');
        return;
      }
      ctx.status = status;
      ctx.type = 'application/x-votable+xml';
      ctx.body = errorVotable(message);
    }
  };
}
