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
import { CLASS_PRODUCT_TABLES, EVENT_SQL_FUNCTIONS, EVENT_TABLES, eventFile, mlSchema, modelMetric } from './ml/index.js';
import { sourceClass } from './ml/source-class.js';
import { tapSchema } from './tap-schema.js';
import type { TableDef } from './types.js';

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
    statements: () => createTablesDdl([], mlSchema.tables.filter((t) => ML_V2.includes(t.name)).map(mlTableAsInV2)),
  },
  {
    version: 3,
    name: 'ml: event files, events, representations',
    statements: () => [...createTablesDdl([], EVENT_TABLES.map(eventTableAsInV3)), ...EVENT_SQL_FUNCTIONS],
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
  {
    version: 31,
    name: 'ml.event_file.timedel (frame time); xtap.event_file_bytes keeps the original event files for DataLink',
    statements: () => [
      ...addColumnsStatements(eventFile, ['timedel']),
      // Not a TAP table (no TAP_SCHEMA rows): the bytes are served by /tap/products/events?RESPONSEFORMAT=fits.
      'CREATE TABLE IF NOT EXISTS xtap.event_file_bytes (event_file_id text PRIMARY KEY, file_name text NOT NULL, bytes bytea NOT NULL)',
    ],
  },
  {
    version: 32,
    name: 'ml.inference_run: column input (an ADQL reserved word) renamed run_input',
    statements: () => [
      // Migration 2 created the column as "input"; conditional so that a database where it was renamed by hand passes.
      `DO $$ BEGIN
         IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'ml' AND table_name = 'inference_run' AND column_name = 'input') THEN
           ALTER TABLE ml.inference_run RENAME COLUMN input TO run_input;
         END IF;
       END $$`,
    ],
  },
  {
    version: 33,
    name: 'xtap.column_fill: non-NULL values per published column, refreshed after each ingest',
    statements: () => [
      'CREATE TABLE IF NOT EXISTS xtap.column_fill (schema_name text NOT NULL, table_name text NOT NULL, column_name text NOT NULL, ' +
        'non_null_rows bigint NOT NULL, table_rows bigint NOT NULL, refreshed_at timestamptz NOT NULL, PRIMARY KEY (table_name, column_name))',
    ],
  },
  {
    version: 34,
    name: 'ml.model_metric: model-card evaluation figures as rows',
    statements: () => createTablesDdl([], [modelMetric]),
  },
  {
    version: 35,
    name: 'ml.source_class.xray_inputs: per-observation averages or the master row',
    statements: () => addColumnsStatements(sourceClass, ['xray_inputs']),
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

/** ml tables as migration 2 created them: ml.inference_run's run_input was still called input (renamed by
 *  migration 32); ml.source_class had no xray_inputs (added by migration 35). */
function mlTableAsInV2(t: TableDef): TableDef {
  if (t === sourceClass) return { ...t, columns: t.columns.filter((c) => c.name !== 'xray_inputs') };
  if (t.name !== 'inference_run') return t;
  return { ...t, columns: t.columns.map((c) => (c.name === 'run_input' ? { ...c, name: 'input' } : c)) };
}

/** The event tables as migration 3 created them: ml.event_file without timedel (added by migration 31). */
function eventTableAsInV3(t: TableDef): TableDef {
  return t === eventFile ? { ...t, columns: t.columns.filter((c) => c.name !== 'timedel') } : t;
}
