/** DataLink 1.1 {links} (DataLink §3): for each CSC2 master source ID, the rows that lead to its detections
 *  (as ready-to-run TAP queries) and, when they exist, its ML products. Link providers are a list, so later
 *  products add a provider instead of changing this module. */
import { col } from '../../schema/index.js';
import type { ColumnMeta } from '../../schema/index.js';
import type { Queryable } from '../../db/index.js';
import { eventFileIdLinks, eventFileLinks, sourceApertureLinks } from './event-links.js';
import { modelCardUrl } from '../products/model-card.js';

export const LINKS_CONTENT_TYPE = 'application/x-votable+xml;content=datalink';
const CORE = 'http://www.ivoa.net/rdf/datalink/core';

/** The {links} table columns (DataLink 1.1 §3.2), in the standard order. */
export const LINK_COLUMNS: ColumnMeta[] = [
  col('ID', 'char', '', 'meta.id;meta.main', 'Input identifier'),
  col('access_url', 'char', '', 'meta.ref.url', 'Link to data or service'),
  col('service_def', 'char', '', 'meta.ref', 'Reference to a service descriptor resource'),
  col('error_message', 'char', '', 'meta.code.error', 'Error if an access_url cannot be created'),
  col('description', 'char', '', 'meta.note', 'Description of the link'),
  col('semantics', 'char', '', 'meta.code', 'Term from a controlled vocabulary describing the link'),
  col('content_type', 'char', '', 'meta.code.mime', 'Mime-type of the content the link returns'),
  col('content_length', 'long', 'byte', 'phys.size;meta.file', 'Size of the download the link returns'),
  col('content_qualifier', 'char', '', 'meta.code.class', 'Term from a controlled vocabulary describing the content'),
  col('local_semantics', 'char', '', 'meta.code', 'Service-specific term describing the link'),
];

export interface LinkRow {
  id: string;
  accessUrl?: string;
  serviceDef?: string;
  errorMessage?: string;
  description: string;
  semantics: string;
  contentType?: string;
  contentLength?: bigint;
  contentQualifier?: string;
  localSemantics?: string;
}

export function linkRowValues(r: LinkRow): unknown[] {
  return [
    r.id, r.accessUrl ?? null, r.serviceDef ?? null, r.errorMessage ?? null, r.description, r.semantics,
    r.contentType ?? null, r.contentLength ?? null, r.contentQualifier ?? null, r.localSemantics ?? null,
  ];
}

export interface LinkContext {
  db: Queryable;
  baseUrl: string;
}

/** A source of links for one existing master source. */
export type LinkProvider = (name: string, ctx: LinkContext) => Promise<LinkRow[]>;

export function tapQueryUrl(baseUrl: string, adql: string): string {
  const q = new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: adql });
  return `${baseUrl}/tap/sync?${q.toString()}`;
}

function adqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Links every CSC2 source has: its stack and per-observation detections as TAP queries. */
export const detectionLinks: LinkProvider = async (name, ctx) => {
  const n = adqlString(name);
  const stack = `SELECT s.* FROM csc2.master_stack_assoc a JOIN csc2.stack_source s ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id WHERE a.name = ${n}`;
  const obs =
    `SELECT a.match_type, o.* FROM csc2.master_stack_assoc a ` +
    `JOIN csc2.stack_observation_assoc so ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id ` +
    `JOIN csc2.observation_source o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id WHERE a.name = ${n}`;
  const master = `SELECT * FROM csc2.master_source WHERE name = ${n}`;
  return [
    { id: name, accessUrl: tapQueryUrl(ctx.baseUrl, master), description: 'All CSC2 master_source properties of this source', semantics: `${CORE}#this`, contentType: 'application/x-votable+xml' },
    { id: name, accessUrl: tapQueryUrl(ctx.baseUrl, stack), description: 'Stacked-observation detections of this source (csc2.stack_source)', semantics: `${CORE}#progenitor`, contentType: 'application/x-votable+xml', localSemantics: 'stack-detections' },
    { id: name, accessUrl: tapQueryUrl(ctx.baseUrl, obs), description: 'Per-observation detections of this source (csc2.observation_source)', semantics: `${CORE}#progenitor`, contentType: 'application/x-votable+xml', localSemantics: 'observation-detections' },
  ];
};

/** The source's ML classification (every model version) and the model cards behind it. */
export const classificationLinks: LinkProvider = async (name, ctx) => {
  const r = await ctx.db.query('SELECT DISTINCT model_id FROM ml.source_class WHERE name = $1 ORDER BY model_id', [name]);
  if (r.rows.length === 0) return [];
  const cardRows: LinkRow[] = r.rows.map((row) => ({
    id: name, accessUrl: modelCardUrl(ctx.baseUrl, String(row[0])), description: `Model card of ${String(row[0])} (Markdown: training data, evaluation, limitations; .json for the machine-readable card)`,
    semantics: `${CORE}#documentation`, contentType: 'text/markdown', localSemantics: 'model-card-document',
  }));
  const n = adqlString(name);
  const classes = `SELECT c.*, r.activity, r.started_at FROM ml.source_class AS c JOIN ml.inference_run AS r ON r.run_id = c.run_id WHERE c.name = ${n}`;
  const cards = `SELECT m.* FROM ml.model AS m WHERE m.model_id IN (SELECT model_id FROM ml.source_class WHERE name = ${n})`;
  return [
    { id: name, accessUrl: tapQueryUrl(ctx.baseUrl, classes), description: 'Class probabilities of this source (ml.source_class) with the run that produced them', semantics: `${CORE}#derivation`, contentType: 'application/x-votable+xml', localSemantics: 'classification' },
    { id: name, accessUrl: tapQueryUrl(ctx.baseUrl, cards), description: 'Model cards of the classifiers (ml.model: training data, metrics, version)', semantics: `${CORE}#documentation`, contentType: 'application/x-votable+xml', localSemantics: 'model-card' },
    ...cardRows,
  ];
};

export const LINK_PROVIDERS: LinkProvider[] = [detectionLinks, classificationLinks, eventFileLinks, sourceApertureLinks];

/** All link rows for the given IDs; unknown IDs get a NotFoundFault row (DataLink §3.4), never an HTTP error. */
export async function linksFor(ids: ReadonlyArray<string>, ctx: LinkContext, providers: ReadonlyArray<LinkProvider> = LINK_PROVIDERS): Promise<LinkRow[]> {
  const rows: LinkRow[] = [];
  for (const id of ids) {
    const found = await ctx.db.query('SELECT 1 FROM csc2.master_source WHERE name = $1', [id]);
    if (found.rows.length === 0) {
      // Not a source: it may be an ml.event_file.event_file_id (event-links.ts), else NotFoundFault.
      const fileRows = await eventFileIdLinks(id, ctx);
      if (fileRows) {
        rows.push(...fileRows);
        continue;
      }
      rows.push({ id, errorMessage: `NotFoundFault: no CSC2 master source named "${id}"`, description: 'Unknown identifier', semantics: `${CORE}#this` });
      continue;
    }
    for (const p of providers) rows.push(...(await p(id, ctx)));
  }
  return rows;
}
