/** GET /registry/resource: the VOResource record of this service, for a publishing registry to harvest. Built once
 *  (configuration and metadata do not change while the process runs); created/updated = process start. */
import type Router from '@koa/router';
import type { Config } from '../../config/index.js';
import { rejectOtherMethods, sendStatic } from '../vosi/index.js';
import { resourceRecordXml } from './resource.js';

export { resourceRecordXml, RI_NS } from './resource.js';
export const REGISTRY_RESOURCE_PATH = '/registry/resource';

export function registerRegistryRoutes(router: Router, deps: { config: Readonly<Config>; startedAt?: Date }): void {
  const startedAt = new Date(Math.floor((deps.startedAt ?? new Date()).getTime() / 1000) * 1000);
  let doc: string | undefined;
  router.get(REGISTRY_RESOURCE_PATH, (ctx) => {
    doc ??= resourceRecordXml({ config: deps.config, created: startedAt, updated: startedAt });
    sendStatic(ctx, doc, startedAt);
  });
  rejectOtherMethods(router, REGISTRY_RESOURCE_PATH);
}
