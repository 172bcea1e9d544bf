/** The human-readable service page at GET /about and GET /tap (TAP 1.1 §2: the base URL should answer with something a
 *  person can read): what the service publishes (generated from the schema metadata), where the VOSI/DALI
 *  resources are, and how to connect with TOPCAT and pyvo. Pure generator plus a thin route. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../../config/index.js';
import { PUBLISHED_SCHEMAS, qualifiedName } from '../../schema/index.js';
import type { SchemaDef } from '../../schema/index.js';
import { TAP_EXAMPLES } from '../examples/examples.js';
import type { TapExample } from '../examples/examples.js';
import { rejectOtherMethods, sendStatic } from '../vosi/index.js';
import { TAP_PATHS } from '../vosi/namespaces.js';
import { randomBytes } from 'node:crypto';
import { appPage, appPageCsp } from './app-page.js';
import { registerAssetRoutes } from './assets.js';
import { PAGE_CSS, el, fragment, trusted, withCode } from './html.js';
import type { Html } from './html.js';

export { escapeHtml, el, fragment, trusted, withCode, PAGE_CSS } from './html.js';
export type { Html, Child } from './html.js';

export interface ServicePageInput {
  /** Public base URL, no trailing slash. */
  baseUrl: string;
  schemas: ReadonlyArray<SchemaDef>;
  examples: ReadonlyArray<TapExample>;
  limits: Config['limits'];
}

function schemaSection(s: SchemaDef, tapUrl: string): Html {
  const body =
    s.tables.length === 0
      ? el('p', { class: 'meta' }, 'No tables published yet.')
      : el(
          'table',
          {},
          el('thead', {}, el('tr', {}, el('th', {}, 'Table'), el('th', {}, 'Columns'), el('th', {}, 'Description'))),
          el(
            'tbody',
            {},
            s.tables.map((t) =>
              el(
                'tr',
                {},
                el('td', {}, el('a', { href: `${tapUrl}/tables/${qualifiedName(t)}` }, el('code', {}, qualifiedName(t)))),
                el('td', {}, t.columns.length),
                el('td', {}, t.description),
              ),
            ),
          ),
        );
  return fragment(el('h3', {}, el('code', {}, s.name)), el('p', {}, s.description), body);
}

/** Renders the service page (HTML5, also well-formed XML). */
export function servicePage(input: ServicePageInput): string {
  const tapUrl = `${input.baseUrl}${TAP_PATHS.base}`;
  const link = (path: string): Html => el('a', { href: `${input.baseUrl}${path}` }, el('code', {}, `${input.baseUrl}${path}`));
  const pyvo = [
    'import pyvo',
    '',
    `tap = pyvo.dal.TAPService("${tapUrl}")`,
    'result = tap.search("SELECT TOP 10 name, ra, dec, flux_aper90_b FROM csc2.master_source ORDER BY name")',
    'print(result.to_table())',
    '',
    '# longer queries: run them asynchronously',
    'job = tap.submit_job("SELECT name, ra, dec FROM csc2.master_source")',
    'job.run().wait()',
    'table = job.fetch_result().to_table()',
  ].join('\n');
  const doc = el(
    'html',
    { lang: 'en' },
    el(
      'head',
      {},
      el('meta', { charset: 'utf-8' }),
      el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      el('title', {}, 'xtap — Chandra Source Catalog 2 TAP service'),
      el('style', {}, trusted(PAGE_CSS)),
    ),
    el(
      'body',
      {},
      el(
        'header',
        {},
        el('h1', {}, 'Chandra Source Catalog 2 — TAP service'),
        el(
          'p',
          { class: 'lead' },
          'An IVOA Table Access Protocol (TAP 1.1) service publishing a mirror of the Chandra Source Catalog release 2 ',
          'with its own table and column names, plus machine-learning products computed on ingest. Query it in ADQL ',
          'from TOPCAT, pyvo, astroquery or any TAP client.',
        ),
        el('p', {}, 'TAP URL: ', el('code', {}, tapUrl)),
      ),
      el(
        'main',
        {},
        el('h2', {}, 'What is published'),
        input.schemas.map((s) => schemaSection(s, tapUrl)),
        el(
          'p',
          { class: 'meta' },
          'Cite the catalogue as Evans et al. 2024, ApJS 274, 22. Column names, units and UCDs are those of CSC 2; ',
          'descriptions of every column are in ',
          el('a', { href: `${tapUrl}/tables?detail=max` }, 'the tables document'),
          ' and in ',
          el('code', {}, 'TAP_SCHEMA.columns'),
          '.',
        ),
        el('h2', {}, 'Connect'),
        el('h3', {}, 'TOPCAT'),
        el(
          'ol',
          {},
          el('li', {}, 'VO menu → Table Access Protocol (TAP) Query.'),
          el('li', {}, 'At the bottom, under Selected TAP Service, paste ', el('code', {}, tapUrl), ' into TAP URL and press Use Service.'),
          el('li', {}, 'Browse the tables on the left, pick a query from the Examples menu, and press Run Query.'),
        ),
        el('h3', {}, 'Python (pyvo)'),
        el('pre', {}, pyvo),
        el('h3', {}, 'Plain HTTP'),
        el(
          'pre',
          {},
          `curl -d LANG=ADQL -d RESPONSEFORMAT=csv --data-urlencode "QUERY=SELECT TOP 5 name, ra, dec FROM csc2.master_source" ${tapUrl}/sync`,
        ),
        el(
          'p',
          {},
          withCode(
            `Synchronous queries return at most ${input.limits.maxrecDefault} rows unless MAXREC asks for more (up to ` +
              `${input.limits.maxrecHard}); a synchronous query may take ${input.limits.syncQueryTimeoutS} s of database time ` +
              `before its first row and ${input.limits.syncTimeoutS} s in all; asynchronous jobs (\`/async\`) run ` +
              `for up to ${input.limits.asyncExecutionS} s. Uploaded tables (\`TAP_UPLOAD\`) may be up to ` +
              `${Math.round(input.limits.uploadMaxBytes / (1024 * 1024))} MiB.`,
          ),
        ),
        el('h2', {}, 'Service resources'),
        el(
          'dl',
          { class: 'endpoints' },
          el('dt', {}, 'Query examples'),
          el('dd', {}, link(TAP_PATHS.examples), ` — ${input.examples.length} ready-to-run ADQL queries.`),
          el('dt', {}, 'Tables (VOSI)'),
          el('dd', {}, link(TAP_PATHS.tables), ' — schemas and tables; ', el('code', {}, '?detail=max'), ' adds every column.'),
          el('dt', {}, 'Capabilities (VOSI)'),
          el('dd', {}, link(TAP_PATHS.capabilities), ' — languages, ADQL features and functions, output formats and limits.'),
          el('dt', {}, 'Availability (VOSI)'),
          el('dd', {}, link(TAP_PATHS.availability)),
          el('dt', {}, 'Synchronous and asynchronous queries'),
          el('dd', {}, link(TAP_PATHS.sync), ' and ', link(TAP_PATHS.async)),
          el('dt', {}, 'DataLink'),
          el('dd', {}, link(TAP_PATHS.links), ' — ', el('code', {}, '?ID=<master source name>'), ' lists the detections and products of a source.'),
        ),
      ),
      el('footer', {}, 'xtap — IVOA TAP 1.1, ADQL 2.1, VOSI 1.1, DataLink 1.1.'),
    ),
  );
  return fragment(trusted('<!DOCTYPE html>\n'), doc).html + '\n';
}

export interface PageDeps {
  config: Readonly<Config>;
}

/** The path of the service description (what GET / showed before the web page took its place). */
export const ABOUT_PATH = '/about';

/** GET /: the web page (editor, results, plots; its bundle at /web/*); GET /about and GET /tap: the service page. */
export function registerPageRoutes(router: Router, deps: PageDeps): void {
  router.get('/', (ctx: Context) => {
    const nonce = randomBytes(16).toString('base64');
    ctx.set('Content-Security-Policy', appPageCsp(nonce));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = appPage({ baseUrl: deps.config.baseUrl, nonce });
  });
  rejectOtherMethods(router, '/');
  registerAssetRoutes(router);
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  let page: string | undefined;
  const handler = (ctx: Context): void => {
    page ??= servicePage({ baseUrl: deps.config.baseUrl, schemas: PUBLISHED_SCHEMAS, examples: TAP_EXAMPLES, limits: deps.config.limits });
    sendStatic(ctx, page, startedAt, 'text/html; charset=utf-8');
  };
  for (const path of [ABOUT_PATH, TAP_PATHS.base]) {
    router.get(path, handler);
    rejectOtherMethods(router, path);
  }
}
