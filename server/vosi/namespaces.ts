/** XML namespaces and standard identifiers of the VOSI documents. The namespace URIs keep their historical minor
 *  versions (VODataService 1.2 still lives in the v1.1 namespace, TAPRegExt 1.0 in v1.0): IVOA XML versioning
 *  changes the namespace only on major versions. */

export const NS = {
  vosiCapabilities: 'http://www.ivoa.net/xml/VOSICapabilities/v1.0',
  vosiTables: 'http://www.ivoa.net/xml/VOSITables/v1.0',
  vr: 'http://www.ivoa.net/xml/VOResource/v1.0',
  vs: 'http://www.ivoa.net/xml/VODataService/v1.1',
  tr: 'http://www.ivoa.net/xml/TAPRegExt/v1.0',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** Standard identifiers (IVOIDs) the capabilities document declares. */
export const STANDARD_ID = {
  tap: 'ivo://ivoa.net/std/TAP',
  vosiCapabilities: 'ivo://ivoa.net/std/VOSI#capabilities',
  vosiAvailability: 'ivo://ivoa.net/std/VOSI#availability',
  vosiTables: 'ivo://ivoa.net/std/VOSI#tables-1.1',
  daliExamples: 'ivo://ivoa.net/std/DALI#examples',
  datalinkLinks: 'ivo://ivoa.net/std/DataLink#links-1.1',
} as const;

/** Paths of the service's resources under the base URL; the routes and the documents both read these. */
export const TAP_PATHS = {
  base: '/tap',
  capabilities: '/tap/capabilities',
  availability: '/tap/availability',
  tables: '/tap/tables',
  examples: '/tap/examples',
  links: '/tap/links',
  sync: '/tap/sync',
  async: '/tap/async',
} as const;
