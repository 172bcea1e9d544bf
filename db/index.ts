/** Public surface of db/: the database interface, its adapter, the embedded cluster, migrations and metadata publication. */
export * from './types.js';
export { openDb } from './open.js';
export type { DbConfig } from './open.js';
export { migrate } from './migrate.js';
export { MIGRATIONS, UWS_MIGRATION, ADQL_GEOMETRY_MIGRATION } from './migrations.js';
export { publishTapSchema } from './publish-metadata.js';
export { encodeCopyCsv, copyCsvValue } from './copy-csv.js';
export { PgDb, POOL_TIMEOUT, UNAVAILABLE } from './pg-adapter.js';
export type { DbLog, PgDbOptions } from './pg-adapter.js';
export { refreshPlannerStatistics, statisticsStale } from './planner-statistics.js';
export type { StatisticsRefresh } from './planner-statistics.js';
