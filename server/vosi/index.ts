/** VOSI routes of the TAP service: GET /tap/capabilities, /tap/tables, /tap/tables/{schema.table} (VOSI 1.1 §3.1,
 *  §3.3). Thin: the documents come from the pure generators in capabilities.ts and tables.ts, built once (the
 *  metadata and the configuration do not change while the process runs) and served with Last-Modified = start
 *  time. Other methods get 405 (VOSI 1.1 §2); /tap/availability stays with server/vosi-availability.ts. */
import type Router from '@koa/router';
import type { Config } from '../../config/index.js';
import { DaliError } from '../errors.js';
import { queryParam, rejectOtherMethods, sendStatic } from './http.js';
import { capabilitiesXml, serviceCapabilities } from './capabilities.js';
import { TAP_PATHS } from './namespaces.js';
import { findPublishedTable, parseTablesDetail, tableXml, tablesetXml } from './tables.js';
import type { TablesDetail } from './tables.js';

export { addCapabilities, capabilitiesXml, serviceCapabilities, declaredDataModels, UPLOAD_METHODS, ADQL_VERSIONS } from './capabilities.js';
export type { CapabilitiesInput, DataModelDecl } from './capabilities.js';
export { addSchemas, tablesetXml, tableXml, findPublishedTable, parseTablesDetail, columnFlags } from './tables.js';
export type { TablesDetail } from './tables.js';
export { NS, STANDARD_ID, TAP_PATHS } from './namespaces.js';
export { queryParam, rejectOtherMethods, sendStatic, XML_TYPE } from './http.js';

export interface VosiDeps {
  config: Readonly<Config>;
}

const TABLES_DEFAULT_DETAIL: TablesDetail = 'min';

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
