/** The table migrations: versioned DDL generated from the metadata of schema/. db/migrations.ts adds the ADQL
 *  geometry functions (4) and the UWS job store (10) to make the list applied at start-up (db/migrate.ts records
 *  them in xtap.schema_migrations). A migration's statements are generated from the metadata it names; once
 *  released, a migration is never edited (test/schema-migrations.test.ts pins the SQL of each): later metadata
 *  changes get a new migration (ALTER ... generated or written here). */
import { csc2Schema } from './csc2/index.js';
import { addColumnsStatements, createTablesDdl, withColumns } from './ddl.js';
import { V1_COLUMNS, V22_COLUMNS } from './csc2/migration-columns.js';
import { observationSource } from './csc2/observation-source.js';
import { stackSource } from './csc2/stack-source.js';
import { CLASS_PRODUCT_TABLES, EVENT_SQL_FUNCTIONS, EVENT_TABLES, mlSchema } from './ml/index.js';
import { tapSchema } from './tap-schema.js';

export interface Migration {
  version: number;
  name: string;
  statements: () => string[];
}

export const TABLE_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: 'csc2 mirror tables, TAP_SCHEMA tables, ml schema',
    statements: () => [
      ...createTablesDdl([csc2Schema, tapSchema], [...csc2TablesV1(), ...tapSchema.tables]),
      ...createTablesDdl([mlSchema], []),
      // per-query TAP_UPLOAD tables live here, named by query, dropped when the query ends
      'CREATE SCHEMA IF NOT EXISTS tap_upload',
    ],
  },
  {
    version: 2,
    name: 'ml: model cards, inference runs, source classes, multiwavelength counterparts',
    statements: () => createTablesDdl([], mlSchema.tables.filter((t) => ML_V2.includes(t.name))),
  },
  {
    version: 3,
    name: 'ml: event files, events, representations',
    statements: () => [...createTablesDdl([], EVENT_TABLES), ...EVENT_SQL_FUNCTIONS],
  },
  {
    version: 21,
    name: 'ml: published classifications, class_comparison view, per-field prior-shift tables',
    statements: () => createTablesDdl([], CLASS_PRODUCT_TABLES),
  },
  {
    version: 22,
    name: 'csc2: every CONFIRMED and INFERRED stack_source and observation_source column of the CSC 2 column list',
    statements: () => [
      ...addColumnsStatements(stackSource, V22_COLUMNS.stack_source),
      ...addColumnsStatements(observationSource, V22_COLUMNS.observation_source),
    ],
  },
];

/** The csc2 tables as migration 1 created them: stack_source and observation_source with their frozen v1 columns. */
function csc2TablesV1() {
  return csc2Schema.tables.map((t) => {
    if (t === stackSource) return withColumns(t, V1_COLUMNS.stack_source);
    if (t === observationSource) return withColumns(t, V1_COLUMNS.observation_source);
    return t;
  });
}

const ML_V2 = ['model', 'inference_run', 'source_class', 'mw_counterpart'];
