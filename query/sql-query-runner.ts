/** The QueryRunner on our database: checks TAP parameters, translates ADQL against the published catalogue
 *  (plus this query's uploads), and streams the cursor's batches through the chosen encoder. Fetches
 *  MAXREC + 1 rows so the encoder can tell OVERFLOW (as opencadc's QueryRunner does). BINARY2 and TABLEDATA
 *  results on PostgreSQL take the bulk path instead when every column type allows: binary COPY transcoded to
 *  BINARY2 (db/pg-copy-binary.ts); TABLEDATA, CSV and TSV from COPY csv (db/copy-text.ts: PostgreSQL's own
 *  shortest round-trip number text, rewritten only where our text differs); the same documents as the cursor
 *  path. BINARY (no null flags) stays on the cursor. The ADQL is translated once; the COPY column types come from
 *  the result FIELDs (db/copy-plan.ts), so no statement runs before the COPY but the session preamble. */
import type { Logger } from 'pino';
import { translateAdql } from '../adql/index.js';
import { AdqlError } from '../adql/errors.js';
import type { Config } from '../config/index.js';
import { DbError } from '../db/index.js';
import type { Db, Row } from '../db/index.js';
import type { Catalog } from '../schema/index.js';
import { CSV_DIALECT, encodeCsv, encodeTsv, TSV_DIALECT } from '../votable/csv-encoder.js';
import { encodeTabledataFromCopyCsv, encodeTextFromCopyCsv } from '../db/copy-text.js';
import { typeParsers } from '../db/pg-adapter.js';
import { chooseFormat, OUTPUT_FORMATS, VOTABLE_VERSIONS } from '../votable/formats.js';
import type { OutputFormat, VotableVersion } from '../votable/formats.js';
import { encodeVotable } from '../votable/votable-encoder.js';
import type { EncodeSummary, VotableEncodeOptions } from '../votable/votable-encoder.js';
import { encodeVotableFromCopy } from '../db/pg-copy-binary.js';
import { planCopy } from '../db/copy-plan.js';
import { DaliError } from './errors.js';
import { adqlErrorMessage, describeError } from './describe-error.js';
import type { TapParams } from './params.js';
import type { PreparedQuery, QueryMetrics, QueryMode, QueryRunner } from './query-runner.js';
import { resultInfos } from './result-infos.js';
import { loadUploads } from './uploads.js';
import { serviceDescriptorsFor } from './datalink-descriptors.js';
import { closingIterator, primeFirst } from './prime.js';
import { TranslationCache, translationKey } from './translation-cache.js';
import type { Translation } from '../adql/index.js';
import type { CopyPlan } from '../db/copy-plan.js';

export interface QueryRunnerDeps {
  db: Db;
  config: Readonly<Config>;
  catalog: Catalog;
  log: Logger;
  /** Counts queries and rows when given. */
  metrics?: QueryMetrics;
}

const LANGS = new Set(['ADQL', 'ADQL-2.0', 'ADQL-2.1']);
const BATCH_ROWS = 2000;
/** The outermost LIMIT of translated SQL (the translator ends the statement with `LIMIT n` for TOP and MAXREC),
 *  or undefined when it does not end with one. */
export function outerLimit(sql: string): number | undefined {
  const m = /\sLIMIT (\d+)$/.exec(sql);
  return m ? Number(m[1]) : undefined;
}

export function parseMaxrec(text: string | undefined, config: Readonly<Config>): number {
  if (text === undefined) return config.limits.maxrecDefault;
  if (!/^\s*\d+\s*$/.test(text)) throw new DaliError('BAD_PARAMETER', `MAXREC must be a non-negative integer, got "${text}"`);
  return Math.min(Number(text), config.limits.maxrecHard);
}

/** RESPONSEFORMAT (or FORMAT) → the output format and VOTable version (votable/formats.ts reads it), or the
 *  DALI error naming what is offered. */
export function negotiateFormat(requested: string | undefined): { format: OutputFormat; version: VotableVersion } {
  const choice = chooseFormat(requested);
  if (choice.ok) return choice;
  if (choice.reason === 'unknown-version') {
    throw new DaliError('UNSUPPORTED', `VOTable version ${choice.version} is not offered; use version=${VOTABLE_VERSIONS.join(' or version=')} (default ${VOTABLE_VERSIONS[0]})`);
  }
  const accepted = [...new Set(OUTPUT_FORMATS.flatMap((f) => [...f.aliases, f.mime]))].join(', ');
  throw new DaliError('UNSUPPORTED', `RESPONSEFORMAT "${choice.format}" is not supported; use one of: ${accepted}`);
}

export function checkLanguage(params: TapParams): void {
  const request = params.get('REQUEST');
  if (request !== undefined && request.toLowerCase() !== 'doquery') {
    throw new DaliError('BAD_PARAMETER', `REQUEST=${request} is not supported; the only request is doQuery (and REQUEST may be omitted)`);
  }
  const lang = params.get('LANG');
  if (lang === undefined || lang.trim() === '') throw new DaliError('MISSING_PARAMETER', 'LANG is required: use LANG=ADQL');
  if (!LANGS.has(lang.trim().toUpperCase())) {
    throw new DaliError('BAD_PARAMETER', `unknown query language "${lang}": this service accepts LANG=ADQL (ADQL-2.0, ADQL-2.1)`);
  }
}

/** A translation and, once a query took the bulk path, its COPY plan (both depend on the query text and row limit
 *  only, for the published catalogue). Frozen: shared by every request of the same query. */
interface Planned {
  translated: Translation;
  copyPlan?: CopyPlan | null;
}

function frozen(t: Translation): Translation {
  Object.freeze(t.params);
  Object.freeze(t.columns);
  return Object.freeze(t);
}

export function createQueryRunner(deps: QueryRunnerDeps): QueryRunner {
  const plans = new TranslationCache<Planned>(deps.config.translationCache ?? 0);
  return {
    async prepare(params: TapParams, mode: QueryMode): Promise<PreparedQuery> {
      checkLanguage(params);
      const query = params.get('QUERY');
      if (query === undefined || query.trim() === '') throw new DaliError('MISSING_PARAMETER', 'QUERY is required: give the ADQL query to run');
      const { format, version: votableVersion } = negotiateFormat(params.get('RESPONSEFORMAT') ?? params.get('FORMAT'));
      const maxrec = parseMaxrec(params.get('MAXREC'), deps.config);
      const uploads = await loadUploads(deps.db, params, deps.config);
      const catalog = deps.catalog.extend(uploads.tables);
      // One translation, with inline literals: COPY and fetchAll take no parameters, and the cursor runs the same SQL.
      const textFormat = format.kind === 'csv' || format.kind === 'tsv';
      const serialization = format.serialization ?? 'BINARY2';
      const bulkCandidate = deps.config.bulkCopy && maxrec > 0 && (textFormat || (format.kind === 'votable' && (serialization === 'BINARY2' || serialization === 'TABLEDATA')));
      // The published catalogue is fixed for the process: its translations are cached (./translation-cache.ts);
      // a query with uploads has a catalogue of its own and is always translated afresh.
      const key = uploads.tables.length === 0 ? translationKey(query, maxrec + 1) : undefined;
      let planned = key === undefined ? undefined : plans.get(key);
      if (!planned) {
        try {
          planned = { translated: frozen(translateAdql(query, catalog, { rowLimit: maxrec + 1, inlineLiterals: true, limits: deps.config.limits.adql })) };
        } catch (err) {
          await uploads.drop();
          if (err instanceof AdqlError) throw new DaliError('QUERY_INVALID', adqlErrorMessage(err), { cause: err });
          throw err;
        }
        if (key !== undefined) plans.set(key, planned, key.length + planned.translated.sql.length);
      }
      const { translated } = planned;
      // A result bounded by a small LIMIT (TOP or MAXREC) is fetched whole in one round trip: the cheapest path.
      const limit = outerLimit(translated.sql);
      const small = maxrec > 0 && limit !== undefined && limit <= deps.config.smallResultRows;
      if (bulkCandidate && !small && planned.copyPlan === undefined) planned.copyPlan = planCopy(translated.sql, translated.columns) ?? null;
      const copyPlan = bulkCandidate && !small ? (planned.copyPlan ?? undefined) : undefined;
      if (bulkCandidate && !small && !copyPlan) deps.log.debug({ columns: translated.columns.map((c) => c.datatype) }, 'bulk path: a column type is not transcoded; using the cursor');
      const limits = queryLimits(deps.config, mode);
      const timeoutS = limits.firstRowS;
      const { sql, params: sqlParams, columns } = translated;
      const log = deps.log;
      const contentType = format.mime;
      let failure: unknown;
      const onEnd = (summary: EncodeSummary) => {
        deps.metrics?.query(mode, summary.status, summary.rows);
        if (summary.status === 'ERROR') failure = summary.error ?? new Error('the query failed while its rows were being written');
      };
      // Upload tables are written on the primary in this request: a query that reads them runs there too (a read
      // replica may not have replayed them yet, and could not create them). Every other query may go to a replica.
      const onPrimary = uploads.tables.length > 0;
      const run = (signal?: AbortSignal) => ({ readOnly: true, statementTimeoutMs: limits.firstRowS * 1000, limits: { workMemKb: limits.workMemKb }, signal, onPrimary });
      const copyRun = (signal?: AbortSignal) => ({ ...run(signal), statementTimeoutMs: limits.totalS * 1000, firstRowTimeoutMs: limits.firstRowS * 1000 });
      const cursorBatches = (signal?: AbortSignal) =>
        maxrec === 0 ? [] : deps.db.stream(sql, sqlParams, { batchSize: BATCH_ROWS, ...run(signal), totalTimeoutMs: limits.totalS * 1000 });
      const describe = (err: unknown) => describeError(err, log, { timeoutS }).message;
      const doc = () => ({ infos: resultInfos(query), serviceDescriptors: serviceDescriptorsFor(columns, deps.config.baseUrl) });
      const opts: VotableEncodeOptions = {
        serialization: format.serialization ?? 'BINARY2',
        version: votableVersion,
        maxrec,
        describeError: describe,
        onEnd,
      };
      /** CSV and TSV have no place for a trailing error (docs/errors.md): after their last row, a failure is thrown
       *  so that the transfer is aborted (sync: no terminating chunk) and the client cannot take the rows for all. */
      const failTransfer = (doc: AsyncGenerator<Uint8Array, void, undefined>) =>
        (async function* textDocument() {
          yield* doc;
          if (failure !== undefined) throw failure;
        })();
      const parseText = (oid: number) => typeParsers.getTypeParser(oid) as (t: string) => unknown;
      /** The document for one source of rows: JS row batches (cursor) or binary COPY chunks (bulk path). */
      const encode = (source: RowSource): AsyncGenerator<Uint8Array, void, undefined> => {
        if (source.kind === 'copy' && textFormat) {
          const dialect = format.kind === 'csv' ? CSV_DIALECT : TSV_DIALECT;
          return failTransfer(encodeTextFromCopyCsv(columns, source.oids, parseText, source.chunks, dialect, { maxrec, onEnd }));
        }
        if (source.kind === 'copy') {
          return opts.serialization === 'TABLEDATA'
            ? encodeTabledataFromCopyCsv(doc(), columns, source.oids, parseText, source.chunks, opts)
            : encodeVotableFromCopy(doc(), columns, source.oids, source.chunks, opts);
        }
        if (format.kind === 'csv') return failTransfer(encodeCsv(columns, source.batches, { maxrec, onEnd }));
        if (format.kind === 'tsv') return failTransfer(encodeTsv(columns, source.batches, { maxrec, onEnd }));
        return encodeVotable(doc(), columns, source.batches, opts);
      };
      const whole = (signal?: AbortSignal): AsyncIterable<Row[]> =>
        (async function* fetchWhole() {
          const rows = await deps.db.fetchAll(sql, { ...run(signal), totalTimeoutMs: limits.totalS * 1000 });
          if (rows.length > 0) yield rows;
        })();
      const chooseSource = (signal?: AbortSignal): RowSource =>
        small ? { kind: 'rows', batches: whole(signal) } : copyPlan ? { kind: 'copy', oids: copyPlan.oids, chunks: deps.db.copyOut(copyPlan.sql, { ...copyRun(signal), copyFormat: textFormat || serialization === 'TABLEDATA' ? 'csv' : 'binary' }) } : { kind: 'rows', batches: cursorBatches(signal) };
      return {
        contentType,
        extension: format.kind === 'votable' ? 'vot' : format.kind,
        stream(signal?: AbortSignal) {
          return encode(chooseSource(signal));
        },
        async open(signal?: AbortSignal) {
          const source = chooseSource(signal);
          let primed;
          try {
            primed = source.kind === 'copy' ? await primeFirst(source.chunks) : await primeFirst(source.batches);
          } catch (err) {
            deps.metrics?.query(mode, 'ERROR');
            throw queryFailure(err, timeoutS, log);
          }
          const encoded = source.kind === 'copy'
            ? encode({ ...source, chunks: primed as AsyncIterable<Uint8Array> })
            : encode({ kind: 'rows', batches: primed as AsyncIterable<Row[]> });
          return closingIterator(encoded, primed);
        },
        failure: () => failure,
        cleanup: () => uploads.drop(),
      };
    },
  };
}

type RowSource = { kind: 'rows'; batches: AsyncIterable<Row[]> | Iterable<Row[]> } | { kind: 'copy'; oids: number[]; chunks: AsyncIterable<Uint8Array> };

/** A database error raised before the first row, as the DALI error the client gets instead of a result: the
 *  query's own fault (bad value, division by zero, bad cast) → 400, out of time → 408, connection lost → 503;
 *  anything else stays an internal error (logged with an id by the error middleware). */
function queryFailure(err: unknown, timeoutS: number, log: Logger): unknown {
  if (!(err instanceof DbError)) return err;
  const d = describeError(err, log, { timeoutS });
  if (d.status === 400) return new DaliError('QUERY_INVALID', d.message, { cause: err });
  if (d.status === 408) return new DaliError('TIMEOUT', d.message, { cause: err });
  if (d.status === 503) return new DaliError('UNAVAILABLE', d.message, { cause: err });
  return err;
}

/** Database-side limits of one query. Sync: `firstRowS` of database time before the first row (statement_timeout
 *  of each cursor FETCH; a timer on the single COPY statement) and `totalS` for the whole COPY download; async:
 *  the hard execution duration for both. */
export function queryLimits(config: Readonly<Config>, mode: QueryMode): { firstRowS: number; totalS: number; workMemKb: number } {
  const l = config.limits;
  if (mode === 'sync') return { firstRowS: l.syncQueryTimeoutS, totalS: l.syncTimeoutS, workMemKb: l.syncWorkMemKb };
  return { firstRowS: l.asyncExecutionHardS, totalS: l.asyncExecutionHardS, workMemKb: l.asyncWorkMemKb };
}
