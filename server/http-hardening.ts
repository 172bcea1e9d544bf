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

export function securityHeaders(opts: { https: boolean }): Koa.Middleware {
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
