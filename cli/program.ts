/** The `xtap` command line: ingest, ADQL translation, model runs. Parses argv with commander and hands over to
 *  the modules; exit codes: 0 ok, 1 the work failed (message says why), 2 bad usage or configuration. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { openDb } from '../db/index.js';
import { SYNTH_SCALES } from '../synth/generate.js';
import type { SynthScale } from '../synth/generate.js';
import { synthesize } from '../synth/load.js';
import { IngestError, createProgress, ingestCounterparts, ingestCounterpartsFromTap, ingestCsc2, ingestPublishedClasses, runFieldPriors, runSourceClassifier, ingestEvents, runEventEncoder } from '../ingest/index.js';
import type { Csc2TableName } from '../ingest/index.js';
import { prepareDatabase } from '../server/bootstrap.js';
import { refreshColumnFill } from '../ingest/column-fill.js';
import { PUBLISHED_SCHEMAS } from '../schema/index.js';
import { AdqlError } from '../adql/errors.js';
import { formatTranslation, translateForCli } from './adql-command.js';
import { MIRROR_TABLES, MirrorError, mirrorTap } from '../mirror/index.js';
import { runService } from '../server/cluster.js';
import { runAsyncWorker } from '../server/async-worker.js';
import { setupShards } from '../db/shards.js';
import { benchCentre, benchShardQueries, compareSharded } from '../query/shard-check.js';

const CSC2_TABLES = ['auto', 'master_source', 'stack_source', 'observation_source', 'master_stack_assoc', 'stack_observation_assoc'];

export function buildProgram(): Command {
  const program = new Command('xtap')
    .description('xtap: a TAP service for the Chandra Source Catalog 2 with machine-learning products')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('run the TAP service (as `npm start`); with --workers N, N HTTP processes share the port (node:cluster)')
    .option('--workers <n>', 'HTTP worker processes (default XTAP_HTTP_WORKERS, 1 = a single process)', positiveInt)
    .option('--no-async-executor', 'only enqueue async jobs; `xtap worker` processes execute them')
    .action(async (opts: { workers?: number; asyncExecutor: boolean }) => {
      const config = loadConfig({
        ...process.env,
        ...(opts.workers !== undefined ? { XTAP_HTTP_WORKERS: String(opts.workers) } : {}),
        ...(opts.asyncExecutor ? {} : { XTAP_ASYNC_EXECUTOR: '0' }),
      });
      await runService(config, createLogger(config.logLevel, 'xtap'));
      await new Promise<never>(() => undefined); // the process ends in the SIGTERM/SIGINT handler
    });

  program
    .command('worker')
    .description('run an async job executor without HTTP, on the queue shared with `xtap serve` (same database and XTAP_RESULTS_DIR)')
    .option('--jobs <n>', 'concurrent jobs in this process (default XTAP_WORKERS)', positiveInt)
    .action(async (opts: { jobs?: number }) => {
      const config = loadConfig({ ...process.env, ...(opts.jobs !== undefined ? { XTAP_WORKERS: String(opts.jobs) } : {}), XTAP_ASYNC_EXECUTOR: '1' });
      await runAsyncWorker(config, createLogger(config.logLevel, 'xtap-worker'));
      await new Promise<never>(() => undefined);
    });

  const shard = program.command('shard').description('the HEALPix-sharded copy of csc2.master_source on other PostgreSQL clusters (postgres_fdw; docs/SCALE-OUT.md)');
  const shardSpec = (v: string, prev: string[] = []) => {
    if (!/^[a-z][a-z0-9_]*=postgres(ql)?:\/\//.test(v)) throw new InvalidArgumentError(`--shard is name=postgres://…, got "${v}"`);
    return [...prev, v];
  };
  const DEFAULT_SHARDS = ['shard1=postgres://postgres@127.0.0.1:5433/xtap_shard', 'shard2=postgres://postgres@127.0.0.1:5434/xtap_shard'];
  shard
    .command('setup')
    .description('(re)build csc2_sharded.master_source: partitions by hpx14 range, each a foreign table on a shard (scripts/pg-shards.sh makes two local ones)')
    .option('--shard <name=url>', 'a shard database (repeat; default the two of scripts/pg-shards.sh)', shardSpec)
    .option('--partitions-per-shard <n>', 'HEALPix-range partitions per shard', positiveInt, 2)
    .option('--fetch-size <n>', 'postgres_fdw fetch_size (rows per round trip)', positiveInt, 10_000)
    .action(async (opts: { shard?: string[]; partitionsPerShard: number; fetchSize: number }) => {
      const shards = (opts.shard ?? DEFAULT_SHARDS).map((s) => ({ name: s.slice(0, s.indexOf('=')), url: s.slice(s.indexOf('=') + 1) }));
      await withDatabase(async (db, log) => {
        const parts = await setupShards(db.connectionString, shards, { partitionsPerShard: opts.partitionsPerShard, fetchSize: opts.fetchSize, log: (m) => log.info(m) });
        log.info({ partitions: parts.length, rows: parts.reduce((a, p) => a + p.rows, 0) }, 'sharded catalogue ready');
      });
    });
  shard
    .command('check')
    .description("run the bench's queries on csc2.master_source and csc2_sharded.master_source and compare their rows (exit 1 when any differ)")
    .option('--reps <n>', 'interleaved repetitions (timings)', positiveInt, 1)
    .action(async (opts: { reps: number }) => {
      let differ = 0;
      await withDatabase(async (db, log) => {
        const results = await compareSharded(db.connectionString, benchShardQueries(await benchCentre(db.connectionString)), opts.reps);
        for (const r of results) {
          log.info({ query: r.name, same: r.same, rows: r.single.rows, shardedRows: r.sharded.rows, scanned: r.plan.scanned, partitions: r.plan.partitions, async: r.plan.async, singleMs: r.singleMs.map(Math.round), shardedMs: r.shardedMs.map(Math.round) }, 'compared');
        }
        differ = results.filter((r) => !r.same).length;
      });
      if (differ) throw new Error(`${differ} queries returned different rows on the sharded table`);
    });

  program
    .command('adql')
    .description('translate an ADQL query to PostgreSQL SQL and print it with its output columns (nothing is run)')
    .option('--json', 'print {sql, params, columns} as JSON')
    .argument('<query>', 'the ADQL query')
    .action((query: string, opts: { json?: boolean }) => {
      const t = translateForCli(query);
      process.stdout.write(opts.json ? `${JSON.stringify(t, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n` : formatTranslation(t));
    });

  const ingest = program.command('ingest').description('load data into the database (one transaction per command)');
  ingest
    .command('csc2')
    .description('load CSC2 rows from CSV or VOTable files as the CSC2 TAP service or CSC CLI returns them')
    .addOption(new Option('--table <name>', 'the csc2 table the files hold; auto splits mixed master/observation outputs').choices(CSC2_TABLES).default('auto'))
    .option('--no-classify', 'do not run the source classifier on the loaded master sources')
    .argument('<files...>', 'CSV (.csv) or VOTable (.vot, .xml) files')
    .action(async (files: string[], opts: { table: string; classify: boolean }) => {
      await withDatabase(async (db, log) => {
        const reports = await ingestCsc2(db, { files, table: opts.table as Csc2TableName | 'auto', log, progress: createProgress(log), classify: opts.classify });
        for (const r of reports) log.info({ file: r.file, rows: r.rows, stored: r.stored, warnings: r.warnings.length }, 'loaded');
      });
    });
  ingest
    .command('counterparts')
    .description('load multiwavelength counterpart photometry (Gaia, 2MASS, WISE) of CSC2 sources into ml.mw_counterpart')
    .option('--origin <name>', 'name recorded as the origin of the rows (default: the file name)')
    .option('--from-tap <url>', 'instead of files: query this TAP service, uploading our sources as TAP_UPLOAD.sources (name, ra, dec)')
    .option('--query <adql>', 'with --from-tap: the ADQL to run there, returning name and magnitude columns')
    .argument('[files...]', 'CSV or VOTable files with a source name column and magnitude columns')
    .action(async (files: string[], opts: { origin?: string; fromTap?: string; query?: string }) => {
      if (opts.fromTap && !opts.query) throw new InvalidArgumentError('--from-tap needs --query with the ADQL to run on that service');
      if (!opts.fromTap && files.length === 0) throw new InvalidArgumentError('give counterpart files, or --from-tap and --query');
      await withDatabase(async (db, log) => {
        const reports = opts.fromTap
          ? await ingestCounterpartsFromTap(db, { tapUrl: opts.fromTap, query: opts.query ?? '', log, progress: createProgress(log) })
          : await ingestCounterparts(db, { files, origin: opts.origin, log, progress: createProgress(log) });
        for (const r of reports) log.info({ file: r.file, rows: r.rows, stored: r.stored, skippedUnknownSource: r.skippedUnknownSource }, 'loaded');
      });
    });
  ingest
    .command('published-class')
    .description('load a classification published by another work (e.g. MUWCLASS output) into ml.published_class, as a check of the classifier (see ml.class_comparison)')
    .requiredOption('--reference <bibcode>', 'ADS bibcode of the work, e.g. 2022ApJ...941..104Y')
    .option('--catalogue <text>', 'which classification of that work (default: the file name)')
    .argument('<files...>', 'CSV or VOTable files with a source name column (name or CSCv2_name) and a class column (Class); optional Class_prob, Class_prob_e, CT, true_Class, P_<class>, e_P_<class>')
    .action(async (files: string[], opts: { reference: string; catalogue?: string }) => {
      await withDatabase(async (db, log) => {
        const reports = await ingestPublishedClasses(db, { files, reference: opts.reference, catalogue: opts.catalogue, log, progress: createProgress(log) });
        for (const r of reports) log.info({ file: r.file, reference: r.reference, rows: r.rows, stored: r.stored, notInMirror: r.notInMirror }, 'loaded');
      });
    });
  ingest
    .command('events')
    .description('load X-ray event lists (FITS) into ml.event_file and ml.event, with E-t/dEdT maps, embedding and anomaly score (ml.event_representation)')
    .option('--model-dir <dir>', 'event encoder directory with model.onnx and card.json (default models/event-encoder)')
    .argument('<files...>', 'FITS event files (Chandra evt2 layout)')
    .action(async (files: string[], opts: { modelDir?: string }) => {
      await withDatabase(async (db, log) => {
        const reports = await ingestEvents(db, { files, modelDir: opts.modelDir, log, progress: createProgress(log) });
        for (const r of reports) log.info({ file: r.file, eventFileId: r.eventFileId, events: r.events, isNew: r.isNew, anomalyScore: r.anomalyScore, csc2Name: r.csc2Name }, 'loaded');
      });
    });

  program
    .command('mirror')
    .description('harvest CSC2 tables from a TAP service (CSC, DaCHS, another xtap) in HEALPix sky chunks, resumable; the source classifier runs on the new master sources')
    .requiredOption('--from <url>', 'base URL of the TAP service, e.g. https://cda.cfa.harvard.edu/csc2tap')
    .option('--tables <names>', `comma-separated csc2 tables (default all: ${MIRROR_TABLES.join(',')})`)
    .option('--state <file>', 'JSON file recording the chunks done; rerun with the same file to resume', 'xtap-mirror.state.json')
    .option('--page-size <n>', 'MAXREC of each chunk query; a chunk reaching it is split in four', positiveInt, 50000)
    .option('--start-order <n>', 'HEALPix order of the first chunks (0: 12 pixels)', nonNegativeInt, 0)
    .option('--no-classify', 'do not run the source classifier when done')
    .action(async (opts: { from: string; tables?: string; state: string; pageSize: number; startOrder: number; classify: boolean }) => {
      const tables = opts.tables?.split(',').map((t) => t.trim().replace(/^csc2\./, '')).filter(Boolean);
      const unknown = tables?.filter((t) => !(MIRROR_TABLES as ReadonlyArray<string>).includes(t)) ?? [];
      if (unknown.length) throw new InvalidArgumentError(`unknown table(s) ${unknown.join(', ')}; mirrorable: ${MIRROR_TABLES.join(', ')}`);
      try {
        new URL(opts.from);
      } catch {
        throw new InvalidArgumentError(`--from must be an http(s) URL, got "${opts.from}"`);
      }
      await withDatabase(async (db, log) => {
        const r = await mirrorTap(db, {
          from: opts.from,
          tables: tables as Csc2TableName[] | undefined,
          stateFile: opts.state,
          pageSize: opts.pageSize,
          startOrder: opts.startOrder,
          classify: opts.classify,
          log,
          progress: createProgress(log),
        });
        log.info({ from: opts.from, rows: r.rows, chunks: r.chunks, classified: r.classified }, 'mirror done');
      });
    });

  const models = program.command('models').description('machine-learning models: re-run them over stored data');
  models
    .command('run')
    .description('run the current version of a model over the stored data that has no output of that version yet (older versions are kept)')
    .argument('<model>', `model to run: ${Object.keys(MODEL_RUNNERS).join(', ')}`)
    .option('--model-dir <dir>', 'directory with model.onnx and card.json (default models/<model>)')
    .action(async (model: string, opts: { modelDir?: string }) => {
      const runner = MODEL_RUNNERS[model];
      if (!runner) throw new InvalidArgumentError(`unknown model "${model}"; known: ${Object.keys(MODEL_RUNNERS).join(', ')}`);
      await withDatabase((db, log) => runner(db, log, opts));
    });

  program
    .command('synth')
    .description('load a deterministic synthetic CSC2 catalogue (master, stack, observation and association tables) and classify it')
    .addOption(new Option('--scale <scale>', `small (${SYNTH_SCALES.small} master sources) or full (${SYNTH_SCALES.full}, CSC 2.1 scale)`).choices(Object.keys(SYNTH_SCALES)).default('small'))
    .option('--seed <n>', 'generator seed (same seed, same catalogue)', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('--seed must be a non-negative integer');
      return Number(v);
    }, 1)
    .option('--no-classify', 'do not run the source classifier on the new master sources')
    .action(async (opts: { scale: SynthScale; seed: number; classify: boolean }) => {
      await withDatabase(async (db, log) => {
        const r = await synthesize(db, { masters: SYNTH_SCALES[opts.scale], seed: opts.seed, sampleDir: loadConfig().sampleDir, log, progress: createProgress(log), classify: opts.classify });
        log.info({ ...r.rows, classified: r.classified, checksum: r.checksum, loadSeconds: r.seconds.load, classifySeconds: r.seconds.classify }, 'synthetic catalogue loaded');
      });
    });
  return program;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 14) throw new InvalidArgumentError(`expected an integer from 0 to 14, got "${v}"`);
  return n;
}

type ModelRunner = (db: Awaited<ReturnType<typeof openDb>>, log: ReturnType<typeof createLogger>, opts: { modelDir?: string }) => Promise<void>;

/** `xtap models run <model>` dispatch: one entry per model. */
const MODEL_RUNNERS: Record<string, ModelRunner> = {
  'source-classifier': async (db, log, opts) => {
    const rows = await runSourceClassifier(db, { log, progress: createProgress(log), modelDir: opts.modelDir });
    log.info({ model: 'source-classifier', added: rows }, 'model run done');
  },
  'field-prior': async (db, log, opts) => {
    const r = await runFieldPriors(db, { log, progress: createProgress(log), modelDir: opts.modelDir });
    log.info({ model: 'source-classifier', version: r.modelVersion, method: 'em-prior-shift', runId: r.runId, fields: r.fields, adjustedFields: r.adjustedFields, sourceRows: r.sourceRows }, 'model run done');
  },
  'event-encoder': async (db, log, opts) => {
    const r = await runEventEncoder(db, { modelDir: opts.modelDir, log, progress: createProgress(log) });
    log.info({ model: r.modelId, version: r.modelVersion, runId: r.runId, added: r.added, alreadyDone: r.skipped }, 'model run done');
  },
};

async function withDatabase(fn: (db: Awaited<ReturnType<typeof openDb>>, log: ReturnType<typeof createLogger>) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'xtap-cli');
  const db = await openDb(config.db);
  try {
    await db.holdLifeline(); // else a server starting meanwhile takes this run's sessions for a dead process's
    await prepareDatabase(db, { sampleDir: config.sampleDir, loadSample: 'never' }, log);
    await fn(db, log);
    await refreshColumnFill(db, PUBLISHED_SCHEMAS); // TAP_SCHEMA says which columns are empty after this ingest
  } finally {
    await db.close();
  }
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    // An InvalidArgumentError thrown by an action (not by commander's own parsing, which prints its message) is
    // printed here.
    if (err instanceof ConfigError || err instanceof InvalidArgumentError) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.exitCode === 0 ? 0 : 2;
    if (err instanceof AdqlError) {
      process.stderr.write(`xtap: ADQL error at ${err.describe()}\n`);
      return 1;
    }
    if (err instanceof MirrorError) {
      process.stderr.write(`xtap: mirror stopped (chunks already recorded in the state file stay loaded; rerun to resume): ${err.message}\n`);
      return 1;
    }
    if (err instanceof IngestError) {
      process.stderr.write(`xtap: ingest failed, nothing was changed: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`xtap: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
