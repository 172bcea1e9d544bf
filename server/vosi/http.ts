/** Small HTTP helpers shared by the VOSI, examples and page routes: constant documents with Last-Modified and
 *  conditional GET, 405 for methods other than GET/HEAD (VOSI 1.1 §2), case-insensitive query parameters. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DaliError } from '../errors.js';

export const XML_TYPE = 'text/xml; charset=utf-8';

/** A GET-only resource: answers 405 with Allow for every other method (HEAD comes with GET). */
export function rejectOtherMethods(router: Router, path: string): void {
  router.all(path, (ctx) => {
    ctx.status = 405;
    ctx.set('Allow', 'GET, HEAD');
  });
}

/** Sends a constant XML document with Last-Modified, answering 304 to a matching conditional request. */
export function sendStatic(ctx: Context, body: string, lastModified: Date, type = XML_TYPE): void {
  ctx.lastModified = lastModified;
  ctx.type = type;
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = body;
}

/** The single value of a query parameter whose name is compared case-insensitively (DALI 1.1 §3.1). */
export function queryParam(ctx: Context, name: string): string | undefined {
  const want = name.toLowerCase();
  const values: string[] = [];
  for (const [k, v] of Object.entries(ctx.query)) {
    if (k.toLowerCase() !== want || v === undefined) continue;
    values.push(...(Array.isArray(v) ? v : [v]));
  }
  if (values.length > 1) throw new DaliError('BAD_PARAMETER', `${name} was given ${values.length} times; give it once`);
  return values[0];
}

