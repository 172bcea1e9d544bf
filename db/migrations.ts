/** Every migration the service applies, assembled here so that schema/ needs neither adql/ nor uws/: the table
 *  migrations of schema/, the ADQL geometry functions (adql/geometry, version 4) and the UWS job store (db/uws-ddl.ts,
 *  version 10). Versions are unique; db/migrate.ts applies them in version order. */
import { ADQL_GEOMETRY_SQL } from '../adql/geometry/sql-functions.js';
import { TABLE_MIGRATIONS } from '../schema/index.js';
import type { Migration } from '../schema/index.js';
import { UWS_DDL } from './uws-ddl.js';

export const UWS_MIGRATION: Migration = {
  version: 10,
  name: 'uws job store',
  statements: () => [...UWS_DDL],
};

export const ADQL_GEOMETRY_MIGRATION: Migration = {
  version: 4,
  name: 'adql: spherical geometry functions (distance, contains, intersects, area, centroid)',
  statements: () => [...ADQL_GEOMETRY_SQL],
};

export const MIGRATIONS: ReadonlyArray<Migration> = [...TABLE_MIGRATIONS, UWS_MIGRATION, ADQL_GEOMETRY_MIGRATION].sort(
  (a, b) => a.version - b.version,
);
