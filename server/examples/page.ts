/** Renders the DALI examples document (DALI 1.1 §2.3, TAP 1.1 §2.6) from the examples list: XHTML+RDFa with one
 *  vocab (http://www.ivoa.net/rdf/examples#), each example an element with typeof="example", id, resource="#id",
 *  property="name", exactly one property="query" holding plain text only (taplint E-PTXT rejects markup inside),
 *  and property="table" per fully qualified table. Pure. */
import { Readable } from 'node:stream';
import type { ColumnMeta } from '../../schema/index.js';
import { encodeVotable } from '../../votable/index.js';
import { PAGE_CSS, el, fragment, trusted, withCode } from '../pages/html.js';
import type { Html } from '../pages/html.js';
import type { ExampleUpload, TapExample } from './examples.js';

/** DALI 1.1's examples vocabulary (taplint reports it as correct). */
export const EXAMPLES_VOCAB = 'http://www.ivoa.net/rdf/examples#';

/** Path of an upload's sample VOTable, relative to the examples page. */
export function uploadSampleFile(u: ExampleUpload): string {
  return `${u.table}.vot`;
}

function exampleSection(ex: TapExample, examplesUrl: string): Html {
  const tables = ex.tables.flatMap((t, i) => [i > 0 ? ', ' : '', el('span', { property: 'table' }, t)]);
  return el(
    'section',
    { class: 'example', typeof: 'example', id: ex.id, resource: `#${ex.id}` },
    el('h2', { property: 'name' }, ex.name),
    el('p', {}, withCode(ex.description)),
    el('pre', { property: 'query' }, ex.query),
    el('p', { class: 'meta' }, 'Tables: ', tables),
    ex.upload
      ? el(
          'p',
          { class: 'meta' },
          'Needs an uploaded table ',
          el('code', {}, `TAP_UPLOAD.${ex.upload.table}`),
          ` with columns ${ex.upload.columns.map((c) => c.name + (c.unit ? ` [${c.unit}]` : '')).join(', ')}. `,
          ex.upload.description,
          ' ',
          el('a', { href: `${examplesUrl}/${uploadSampleFile(ex.upload)}` }, `Download ${uploadSampleFile(ex.upload)}`),
          '.',
        )
      : null,
  );
}

export interface ExamplesPageInput {
  /** Public base URL, no trailing slash. */
  baseUrl: string;
  examples: ReadonlyArray<TapExample>;
}

/** The examples document (served as application/xhtml+xml). */
export function examplesPage(input: ExamplesPageInput): string {
  const tapUrl = `${input.baseUrl}/tap`;
  const examplesUrl = `${tapUrl}/examples`;
  const doc = el(
    'html',
    { xmlns: 'http://www.w3.org/1999/xhtml', lang: 'en', 'xml:lang': 'en' },
    el(
      'head',
      {},
      el('meta', { charset: 'utf-8' }),
      el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      el('title', {}, 'xtap — ADQL query examples'),
      el('style', {}, trusted(PAGE_CSS)),
    ),
    el(
      'body',
      {},
      el(
        'header',
        {},
        el('h1', {}, 'ADQL query examples'),
        el(
          'p',
          { class: 'lead' },
          'Queries that run on this TAP service (',
          el('a', { href: tapUrl }, tapUrl),
          '). TOPCAT lists them under Examples in its TAP window; paste any of them into a TAP client or send it with ',
          el('code', {}, 'LANG=ADQL&QUERY=…'),
          ' to ',
          el('code', {}, `${tapUrl}/sync`),
          '.',
        ),
      ),
      el(
        'nav',
        {},
        el('ol', {}, input.examples.map((ex) => el('li', {}, el('a', { href: `#${ex.id}` }, ex.name)))),
      ),
      el('main', { vocab: EXAMPLES_VOCAB }, input.examples.map((ex) => exampleSection(ex, examplesUrl))),
      el('footer', {}, el('a', { href: tapUrl }, 'Service home'), ' · ', el('a', { href: `${tapUrl}/tables` }, 'Tables')),
    ),
  );
  return fragment(trusted('<!DOCTYPE html>\n'), doc).html + '\n';
}

/** The sample rows of an upload as a TABLEDATA VOTable stream (what a user uploads to try the example). */
export function uploadSampleVotable(u: ExampleUpload): Readable {
  const fields: ColumnMeta[] = u.columns.map((c) => ({ ...c }));
  return Readable.from(
    encodeVotable({ description: u.description, tableName: u.table }, fields, [u.rows.map((r) => [...r])], { serialization: 'TABLEDATA' }),
  );
}
