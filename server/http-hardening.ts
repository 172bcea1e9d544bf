/** Response headers for a service on the open internet: security headers (helmet), CORS for browser-based VO
 *  clients, and a Server header without a version. The home and examples pages carry one inline stylesheet,
 *  allowed by its hash, so the CSP needs no 'unsafe-inline'. */
import { createHash } from 'node:crypto';
import cors from '@koa/cors';
import type Koa from 'koa';
import helmet from 'koa-helmet';
import { PAGE_CSS } from './pages/html.js';
import { OWNER_TOKEN_HEADER } from './routes/job-owner.js';
import { SERVICE_NAME } from '../query/result-infos.js';

const cssHash = `'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`;

/** The security headers are the same on every response: helmet computes them once here, and each request only
 *  copies the list (no per-request helmet run, no promise). */
export function securityHeaders(opts: { https: boolean }): Koa.Middleware {
  const headers = staticHeaders(helmetFor(opts));
  return async (k, next) => {
    for (const [name, value] of headers) k.res.setHeader(name, value);
    await next();
  };
}

/** The headers a helmet middleware sets, captured by running it once against a recording response (helmet sets
 *  them synchronously and derives none from the request). */
function staticHeaders(mw: Koa.Middleware): ReadonlyArray<readonly [string, string]> {
  const set = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => void set.set(name, String(value)),
    removeHeader: (name: string) => void set.delete(name),
    getHeader: (name: string) => set.get(name),
  };
  void mw({ req: { headers: {} }, res } as unknown as Koa.Context, async () => undefined);
  if (!set.has('Content-Security-Policy')) throw new Error('helmet set no Content-Security-Policy: the security headers cannot be precomputed');
  return [...set];
}

function helmetFor(opts: { https: boolean }): Koa.Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: [cssHash],
        imgSrc: ["'self'", 'data:'],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Results and images are meant to be used from other sites (VO web clients, notebooks).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000 } : false,
  });
}

/** CORS on every endpoint (IVOA services are read by web clients on other origins): any origin, no cookies
 *  (an anonymous job's owner token travels in the X-Owner-Token header across origins), and the headers a UWS
 *  client must read (Location after a 303, the owner token, ranges). */
export function corsForVoClients(): Koa.Middleware {
  return cors({
    origin: '*',
    allowMethods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'Range', 'If-Range', 'X-Request-Id', OWNER_TOKEN_HEADER],
    exposeHeaders: ['Location', 'Content-Range', 'Accept-Ranges', 'Content-Length', 'X-Request-Id', OWNER_TOKEN_HEADER],
    maxAge: 86_400,
  });
}

export const SERVER_HEADER = SERVICE_NAME;
