/** The `xtap` command line: ingest, ADQL translation, model runs. Parses argv with commander and hands over to
 *  the modules; exit codes: 0 ok, 1 the work failed (message says why), 2 bad usage or configuration. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { openDb } from '../db/index.js';
import { IngestError, createProgress, ingestCounterparts, ingestCsc2 } from '../ingest/index.js';
import type { Csc2TableName } from '../ingest/index.js';
import { prepareDatabase } from '../server/bootstrap.js';

const CSC2_TABLES = ['auto', 'master_source', 'stack_source', 'observation_source', 'master_stack_assoc', 'stack_observation_assoc'];

export function buildProgram(): Command {
  const program = new Command('xtap')
    .description('xtap: a TAP service for the Chandra Source Catalog 2 with machine-learning products')
    .showHelpAfterError()
    .exitOverride();

  const ingest = program.command('ingest').description('load data into the database (one transaction per command)');
  ingest
    .command('csc2')
    .description('load CSC2 rows from CSV or VOTable files as the CSC2 TAP service or CSC CLI returns them')
    .addOption(new Option('--table <name>', 'the csc2 table the files hold; auto splits mixed master/observation outputs').choices(CSC2_TABLES).default('auto'))
    .argument('<files...>', 'CSV (.csv) or VOTable (.vot, .xml) files')
    .action(async (files: string[], opts: { table: string }) => {
      await withDatabase(async (db, log) => {
        const reports = await ingestCsc2(db, { files, table: opts.table as Csc2TableName | 'auto', log, progress: createProgress(log) });
        for (const r of reports) log.info({ file: r.file, rows: r.rows, stored: r.stored, warnings: r.warnings.length }, 'loaded');
      });
    });
  ingest
    .command('counterparts')
    .description('load multiwavelength counterpart photometry (Gaia, 2MASS, WISE) of CSC2 sources into ml.mw_counterpart')
    .option('--origin <name>', 'name recorded as the origin of the rows (default: the file name)')
    .argument('<files...>', 'CSV or VOTable files with a source name column and magnitude columns')
    .action(async (files: string[], opts: { origin?: string }) => {
      await withDatabase(async (db, log) => {
        const reports = await ingestCounterparts(db, { files, origin: opts.origin, log, progress: createProgress(log) });
        for (const r of reports) log.info({ file: r.file, rows: r.rows, stored: r.stored, skippedUnknownSource: r.skippedUnknownSource }, 'loaded');
      });
    });
  return program;
}

async function withDatabase(fn: (db: Awaited<ReturnType<typeof openDb>>, log: ReturnType<typeof createLogger>) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'xtap-cli');
  const db = await openDb(config.db);
  try {
    await prepareDatabase(db, { sampleDir: config.sampleDir, loadSample: 'never' }, log);
    await fn(db, log);
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
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError || err instanceof InvalidArgumentError) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    if (err instanceof IngestError) {
      process.stderr.write(`xtap: ingest failed, nothing was changed: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`xtap: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
