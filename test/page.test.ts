/** The human-readable service page (GET / and /tap) and the small HTML builder behind it and /tap/examples. */
import Koa from 'koa';
import Router from '@koa/router';
import request from 'supertest';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { PUBLISHED_SCHEMAS, qualifiedName } from '../schema/index.js';
import { daliErrors } from '../server/error-middleware.js';
import { TAP_EXAMPLES } from '../server/examples/index.js';
import { el, escapeHtml, registerPageRoutes, servicePage, withCode } from '../server/pages/index.js';
import { testLogger } from './helpers/logger.js';

const BASE = 'https://xtap.example.org/csc';
const config = loadConfig({ XTAP_BASE_URL: BASE, XTAP_MAXREC_DEFAULT: '4242' });

function pageApp(): Koa {
  const app = new Koa();
  const router = new Router();
  app.use(daliErrors(testLogger().log));
  registerPageRoutes(router, { config });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

describe('GET /about and GET /tap', () => {
  const app = pageApp();

  it.each(['/about', '/tap'])('%s answers with the HTML service page', async (path) => {
    const res = await request(app.callback()).get(path).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(XMLValidator.validate(res.text.replace('<!DOCTYPE html>', ''))).toBe(true);
  });

  it('names the TAP URL and links every service resource', async () => {
    const res = await request(app.callback()).get('/about').expect(200);
    expect(res.text).toContain(`<code>${BASE}/tap</code>`);
    for (const path of ['capabilities', 'tables', 'examples', 'availability', 'sync', 'async', 'links']) {
      expect(res.text, path).toContain(`href="${BASE}/tap/${path}"`);
    }
    expect(res.text).toContain(`pyvo.dal.TAPService(&quot;${BASE}/tap&quot;)`);
    expect(res.text).toContain(`${TAP_EXAMPLES.length} ready-to-run ADQL queries`);
    expect(res.text).toContain('return at most 4242 rows');
  });

  it('lists every published schema and table with its description and column count, from the metadata', async () => {
    const res = await request(app.callback()).get('/about').expect(200);
    for (const s of PUBLISHED_SCHEMAS) {
      expect(res.text).toContain(escapeHtml(s.description));
      if (s.tables.length === 0) expect(res.text).toContain('No tables published yet.');
      for (const t of s.tables) {
        const name = qualifiedName(t);
        expect(res.text, name).toContain(`<a href="${BASE}/tap/tables/${name}"><code>${name}</code></a>`);
        expect(res.text, name).toContain(`<td>${t.columns.length}</td><td>${escapeHtml(t.description)}</td>`);
      }
    }
    expect(res.text).toContain('<td>516</td>');
  });

  it('does not load anything from elsewhere (no external assets)', () => {
    const html = servicePage({ baseUrl: BASE, schemas: PUBLISHED_SCHEMAS, examples: TAP_EXAMPLES, limits: config.limits });
    expect(html).not.toMatch(/<(script|link|img)\b/);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('supports HEAD and conditional GET', async () => {
    const head = await request(app.callback()).head('/tap').expect(200);
    const lastModified = String(head.headers['last-modified']);
    await request(app.callback()).get('/tap').set('If-Modified-Since', lastModified).expect(304);
  });

  it.each(['post', 'put', 'delete'] as const)('answers %s with 405', async (method) => {
    const res = await request(app.callback())[method]('/tap').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('GET /: the web page', () => {
  const app = pageApp();

  it('is the page skeleton that loads the bundle from this origin, with a CSP that allows nothing inline', async () => {
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(XMLValidator.validate(res.text.replace('<!DOCTYPE html>', ''))).toBe(true);
    expect(res.text).toContain('<script src="web/app.js" defer="defer"></script>');
    expect(res.text).toContain('<link rel="stylesheet" href="web/app.css" />');
    expect(res.text).toContain(`data-base-url="${BASE}"`);
    for (const id of ['editor', 'run', 'run-async', 'maxrec', 'grid', 'plot-area', 'dl-area', 'table-list', 'examples']) {
      expect(res.text, id).toContain(`id="${id}"`);
    }
    expect(res.text).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+="/i);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain('connect-src \'self\' http://localhost:21012');
    expect(csp).not.toContain('unsafe-inline');
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(res.text).toContain(`<meta name="xtap-style-nonce" content="${nonce}" />`);
    const again = await request(app.callback()).get('/').expect(200);
    expect(String(again.headers['content-security-policy'])).not.toContain(`'nonce-${nonce}'`);
  });

  it('links the service description, which moved to /about', async () => {
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.text).toContain('<a href="about">About &amp; connect</a>');
  });

  it('serves the built bundle at /web/app.js and /web/app.css, and 404 for anything else there', async () => {
    const js = await request(app.callback()).get('/web/app.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text.length).toBeGreaterThan(10_000);
    const css = await request(app.callback()).get('/web/app.css').expect(200);
    expect(css.text).toContain('.uplot');
    await request(app.callback()).get('/web/secret.txt').expect(404);
    await request(app.callback()).get('/web/..%2Fpackage.json').expect(404);
  });
});

describe('HTML builder', () => {
  it.each([
    ['a < b & "c"', 'a &lt; b &amp; &quot;c&quot;'],
    ["WHERE name = '2CXO J1104'", "WHERE name = '2CXO J1104'"],
    ['</pre><script>', '&lt;/pre&gt;&lt;script&gt;'],
  ])('escapes %j', (text, html) => {
    expect(escapeHtml(text)).toBe(html);
    expect(el('p', {}, text).html).toBe(`<p>${html}</p>`);
  });

  it('writes void elements self-closed and never self-closes the others', () => {
    expect(el('meta', { charset: 'utf-8' }).html).toBe('<meta charset="utf-8" />');
    expect(el('div', { id: 'x', hidden: true, title: undefined }).html).toBe('<div id="x" hidden="hidden"></div>');
    expect(el('a', { href: '?a=1&b="2"' }, 'x').html).toBe('<a href="?a=1&amp;b=&quot;2&quot;">x</a>');
  });

  it('renders back-quoted spans of descriptions as code, escaped', () => {
    expect(withCode('use `a<b` here').html).toBe('use <code>a&lt;b</code> here');
  });
});
