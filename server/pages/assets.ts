/** Serves the web page's bundle (dist/web/app.js and app.css, built by web/build.mjs) at /web/*. The bundle is
 *  read once from disk; when it has not been built the routes answer 404 with a hint. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import { DaliError } from '../errors.js';
import { sendStatic } from '../vosi/index.js';

const ASSETS: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/** dist/web, seen from this module compiled (dist/server/pages) or run from source (server/pages). */
export function webBundleDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, '..', '..', 'web'), join(here, '..', '..', 'dist', 'web')].find((d) => existsSync(join(d, 'app.js')));
}

export function registerAssetRoutes(router: Router): void {
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const cache = new Map<string, string>();
  router.get('/web/:file', (ctx) => {
    const file = ctx.params['file'] ?? '';
    const type = ASSETS[file];
    const dir = webBundleDir();
    if (!type || !dir) throw new DaliError('NOT_FOUND', `no web asset ${file}${dir ? '' : ' (the page bundle is not built: run npm run build)'}`);
    let body = cache.get(file);
    if (body === undefined) {
      body = readFileSync(join(dir, file), 'utf8');
      cache.set(file, body);
    }
    ctx.set('Cache-Control', 'public, max-age=3600');
    sendStatic(ctx, body, startedAt, type);
  });
}
