/** The web page at GET /: the skeleton of the ADQL editor, table browser, results grid, plots and DataLink panel
 *  that the bundle built from web/ (served at /web/app.js and /web/app.css) brings to life. Pure generator of the
 *  HTML and of the page's Content-Security-Policy: scripts and stylesheets only from this origin, the editor's
 *  runtime styles by a per-response nonce, and connections to this origin and to a local SAMP hub. */
import { el, fragment, trusted } from './html.js';

/** Where the SAMP Web Profile hub listens (SAMP 1.3 §5.1). */
export const SAMP_HUB_ORIGINS = ['http://localhost:21012', 'http://127.0.0.1:21012'];

export function appPageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    `connect-src 'self' ${SAMP_HUB_ORIGINS.join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface AppPageInput {
  /** Public base URL, no trailing slash (the page rewrites absolute service URLs under it to its own origin). */
  baseUrl: string;
  nonce: string;
}

export function appPage(input: AppPageInput): string {
  const tab = (name: string, label: string, selected: boolean): ReturnType<typeof el> =>
    el('button', { type: 'button', 'data-tab': name, 'aria-selected': selected ? 'true' : 'false' }, label);
  const doc = el(
    'html',
    { lang: 'en', 'data-base-url': input.baseUrl },
    el(
      'head',
      {},
      el('meta', { charset: 'utf-8' }),
      el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      el('meta', { name: 'xtap-style-nonce', content: input.nonce }),
      el('title', {}, 'xtap — Chandra Source Catalog 2: ADQL query page'),
      el('link', { rel: 'icon', href: 'data:,' }),
      el('link', { rel: 'stylesheet', href: 'web/app.css' }),
      el('script', { src: 'web/app.js', defer: true }),
    ),
    el(
      'body',
      {},
      el(
        'header',
        { class: 'top' },
        el('h1', {}, 'xtap — Chandra Source Catalog 2'),
        el('span', { class: 'status' }, 'TAP service: ', el('code', {}, `${input.baseUrl}/tap`)),
        el(
          'nav',
          {},
          el('a', { href: 'about' }, 'About & connect'),
          el('a', { href: 'tap/examples' }, 'Examples'),
          el('a', { href: 'tap/capabilities' }, 'Capabilities'),
        ),
      ),
      el('noscript', {}, el('p', {}, 'This page needs JavaScript. The service description is at ', el('a', { href: 'about' }, 'about'), '.')),
      el(
        'div',
        { class: 'layout' },
        el('aside', {}, el('h2', {}, 'Tables'), el('div', { id: 'table-list' }, 'Loading TAP_SCHEMA…')),
        el(
          'main',
          {},
          el('h2', {}, 'Examples'),
          el('div', { id: 'examples', class: 'examples' }, 'Loading examples…'),
          el('h2', {}, 'ADQL query'),
          el('div', { id: 'editor', class: 'editor' }),
          el(
            'div',
            { class: 'controls' },
            el('button', { id: 'run', type: 'button', class: 'primary', title: 'Ctrl/Cmd-Enter' }, 'Run (sync)'),
            el('button', { id: 'run-async', type: 'button' }, 'Submit async'),
            el('label', {}, 'MAXREC ', el('input', { id: 'maxrec', type: 'number', min: '0', value: '1000', size: '8' })),
            el('span', { id: 'status', class: 'status', role: 'status' }),
            el('a', { id: 'job-link', hidden: true, target: '_blank' }),
          ),
          el('div', { id: 'error', class: 'error', role: 'alert', hidden: true }),
          el('div', { class: 'tabs', role: 'tablist' }, tab('results', 'Results', true), tab('plots', 'Plots', false), tab('datalink', 'DataLink', false)),
          el(
            'section',
            { id: 'panel-results', class: 'panel' },
            el(
              'div',
              { class: 'controls' },
              el('span', { id: 'downloads', class: 'downloads' }),
              el('button', { id: 'samp-send', type: 'button', hidden: true, title: 'Broadcast the result to TOPCAT, Aladin or DS9 (SAMP hub)' }, 'Send to TOPCAT / Aladin / DS9'),
            ),
            el('div', { id: 'grid', class: 'grid', role: 'grid' }),
          ),
          el(
            'section',
            { id: 'panel-plots', class: 'panel', hidden: true },
            el(
              'div',
              { class: 'controls' },
              el('label', {}, 'Histogram of ', el('select', { id: 'hist-col' })),
              el('label', { id: 'class-row-label', hidden: true }, 'Class probabilities of ', el('select', { id: 'class-row' })),
            ),
            el('div', { id: 'plot-area', class: 'plots' }, 'Run a query to plot its result.'),
          ),
          el(
            'section',
            { id: 'panel-datalink', class: 'panel datalink', hidden: true },
            el(
              'div',
              { class: 'controls' },
              el('label', {}, 'DataLink ID ', el('input', { id: 'dl-id', type: 'text', size: '32', placeholder: '2CXO J… or an event_file_id' })),
              el('button', { id: 'dl-go', type: 'button' }, 'Show links'),
            ),
            el('div', { id: 'dl-area' }, 'Click a source name in the results (underlined) or give an ID.'),
          ),
        ),
      ),
    ),
  );
  return fragment(trusted('<!DOCTYPE html>\n'), doc).html + '\n';
}
