/** VOSI routes of the TAP service: GET /tap/capabilities, /tap/tables, /tap/tables/{schema.table} (VOSI 1.1 §3.1,
 *  §3.3). Thin: the documents come from the pure generators in capabilities.ts and tables.ts, built once (the
 *  metadata and the configuration do not change while the process runs) and served with Last-Modified = start
 *  time. Other methods get 405 (VOSI 1.1 §2); /tap/availability stays with server/vosi-availability.ts. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../../config/index.js';
import { DaliError } from '../errors.js';
import { capabilitiesXml, serviceCapabilities } from './capabilities.js';
import { TAP_PATHS } from './namespaces.js';
import { findPublishedTable, parseTablesDetail, tableXml, tablesetXml } from './tables.js';
import type { TablesDetail } from './tables.js';

export { capabilitiesXml, serviceCapabilities, declaredDataModels, UPLOAD_METHODS, ADQL_VERSIONS } from './capabilities.js';
export type { CapabilitiesInput, DataModelDecl } from './capabilities.js';
export { tablesetXml, tableXml, findPublishedTable, parseTablesDetail, columnFlags } from './tables.js';
export type { TablesDetail } from './tables.js';
export { NS, STANDARD_ID, TAP_PATHS } from './namespaces.js';

export interface VosiDeps {
  config: Readonly<Config>;
}

const XML_TYPE = 'text/xml; charset=utf-8';
const TABLES_DEFAULT_DETAIL: TablesDetail = 'min';

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

/** Registers the VOSI capabilities and tables resources. */
export function registerVosiRoutes(router: Router, deps: VosiDeps): void {
  // HTTP dates have second resolution; a sub-second start time would never compare fresh.
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  let capabilities: string | undefined;
  const tablesets = new Map<TablesDetail, string>();
  const tables = new Map<string, string>();

  router.get(TAP_PATHS.capabilities, (ctx) => {
    capabilities ??= capabilitiesXml(serviceCapabilities(deps.config));
    sendStatic(ctx, capabilities, startedAt);
  });
  rejectOtherMethods(router, TAP_PATHS.capabilities);

  router.get(TAP_PATHS.tables, (ctx) => {
    const given = queryParam(ctx, 'detail');
    const detail = given === undefined ? TABLES_DEFAULT_DETAIL : parseTablesDetail(given);
    if (!detail) throw new DaliError('BAD_PARAMETER', `detail must be "min" or "max", got "${given}"`);
    let doc = tablesets.get(detail);
    if (doc === undefined) {
      doc = tablesetXml(detail);
      tablesets.set(detail, doc);
    }
    sendStatic(ctx, doc, startedAt);
  });
  rejectOtherMethods(router, TAP_PATHS.tables);

  const tablePath = `${TAP_PATHS.tables}/:name`;
  router.get(tablePath, (ctx) => {
    const name = ctx.params.name ?? '';
    const t = findPublishedTable(name);
    if (!t) {
      throw new DaliError('NOT_FOUND', `no table "${name}" in this service; ${TAP_PATHS.tables} lists the published tables`);
    }
    const key = `${t.schema}.${t.name}`;
    let doc = tables.get(key);
    if (doc === undefined) {
      doc = tableXml(t);
      tables.set(key, doc);
    }
    sendStatic(ctx, doc, startedAt);
  });
  rejectOtherMethods(router, tablePath);
}
