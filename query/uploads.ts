/** TAP_UPLOAD (TAP 1.1 §2.7.6, DALI §3.4.5): UPLOAD=name,URI pairs where URI is param:<multipart field> or an
 *  http(s) URL (upload-fetch.ts: size- and time-limited, public addresses only). Tables, columns and rows per
 *  upload are limited (the FIELD count before the XML is parsed). Each uploaded VOTable
 *  becomes a table tap_upload."u<id>_<name>" for this query only, published to ADQL as TAP_UPLOAD.<name>. */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { isReservedWord } from '../adql/reserved-words.js';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import { quoteIdent, sqlType } from '../schema/index.js';
import type { CatalogTable, ColumnDef } from '../schema/index.js';
import { VotableError, parseVotable } from '../votable/index.js';
import { parseArraysize } from '../votable/arraysize.js';
import { DaliError } from './errors.js';
import type { TapParams } from './params.js';
import { fetchUploadUrl } from './upload-fetch.js';

export interface LoadedUploads {
  tables: CatalogTable[];
  drop(): Promise<void>;
}

interface UploadSpec {
  name: string;
  uri: string;
}

/** Elements of a fixed-size array column in an upload (char(n), double[n], ...). */
export const MAX_FIXED_ARRAY = 65_536;

const REGULAR_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

export function parseUploadParam(values: ReadonlyArray<string>): UploadSpec[] {
  const specs: UploadSpec[] = [];
  for (const value of values) {
    for (const part of value.split(';')) {
      if (part.trim() === '') continue;
      const comma = part.indexOf(',');
      if (comma < 0) throw new DaliError('BAD_PARAMETER', `UPLOAD "${part}" must be "table_name,URI" (e.g. UPLOAD=mylist,param:file1)`);
      const name = part.slice(0, comma).trim();
      const uri = part.slice(comma + 1).trim();
      if (!REGULAR_IDENTIFIER.test(name) || isReservedWord(name)) {
        throw new DaliError('BAD_PARAMETER', `UPLOAD table name "${name}" must be a regular ADQL identifier (a letter, then letters, digits or _) and not a reserved word`);
      }
      if (specs.some((s) => s.name.toLowerCase() === name.toLowerCase())) throw new DaliError('BAD_PARAMETER', `UPLOAD table name "${name}" is used twice`);
      specs.push({ name, uri });
    }
  }
  return specs;
}

async function readUpload(spec: UploadSpec, params: TapParams, config: Readonly<Config>): Promise<Uint8Array> {
  if (spec.uri.startsWith('param:')) {
    const field = spec.uri.slice('param:'.length);
    const part = params.file(field);
    if (part) {
      if (part.size > config.limits.uploadMaxBytes) throw new DaliError('TOO_LARGE', `upload "${field}" is larger than the limit of ${config.limits.uploadMaxBytes} bytes`);
      return readFile(part.path);
    }
    const inline = params.all(field)[0];
    if (inline !== undefined) return Buffer.from(inline, 'utf8');
    throw new DaliError('UPLOAD_INVALID', `UPLOAD ${spec.name} refers to param:${field}, but the request has no multipart part named "${field}"`);
  }
  if (/^https?:\/\//i.test(spec.uri)) {
    const { uploadMaxBytes: maxBytes, uploadTimeoutS, uploadAllowHosts: allowHosts } = config.limits;
    return fetchUploadUrl(spec.uri, { maxBytes, timeoutMs: uploadTimeoutS * 1000, allowHosts });
  }
  throw new DaliError('UPLOAD_INVALID', `UPLOAD URI "${spec.uri}" is not supported: use param:<multipart part name>, http:// or https://`);
}

/** PostgreSQL text cannot hold U+0000; say where it is instead of letting COPY fail on it. */
function refuseNulBytes(name: string, columns: ReadonlyArray<ColumnDef>, rows: ReadonlyArray<ReadonlyArray<unknown>>): void {
  const text = columns.flatMap((c, i) => (c.datatype === 'char' || c.datatype === 'unicodeChar' ? [i] : []));
  if (text.length === 0) return;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as ReadonlyArray<unknown>;
    for (const i of text) {
      const v = row[i];
      if (typeof v === 'string' && v.includes('\u0000')) {
        throw new DaliError('UPLOAD_INVALID', `UPLOAD ${name} row ${r + 1}, column "${columns[i]?.name}": the value contains a NUL byte (U+0000), which this service cannot store`);
      }
    }
  }
}

/** Reads, checks and creates the upload tables of a request. The caller must call drop() when done. */
export async function loadUploads(db: Db, params: TapParams, config: Readonly<Config>): Promise<LoadedUploads> {
  const specs = parseUploadParam(params.all('UPLOAD'));
  const { uploadMaxTables, uploadMaxColumns, uploadMaxRows } = config.limits;
  if (specs.length > uploadMaxTables) throw new DaliError('TOO_LARGE', `UPLOAD names ${specs.length} tables; the limit is ${uploadMaxTables} tables per request`);
  const created: string[] = [];
  const tables: CatalogTable[] = [];
  const drop = async () => {
    for (const t of created.splice(0)) await db.exec(`DROP TABLE IF EXISTS tap_upload.${quoteIdent(t)}`).catch(() => undefined);
  };
  try {
    for (const spec of specs) {
      const bytes = await readUpload(spec, params, config);
      let parsed;
      try {
        parsed = parseVotable(bytes, { maxFields: uploadMaxColumns, maxRows: uploadMaxRows });
      } catch (err) {
        if (err instanceof VotableError && err.code === 'E12') throw new DaliError('TOO_LARGE', `UPLOAD ${spec.name} has ${err.message.replace(/^E12: /, '')}`, { cause: err });
        if (err instanceof VotableError) throw new DaliError('UPLOAD_INVALID', `UPLOAD ${spec.name} is not a readable VOTable: ${err.message}`, { cause: err });
        throw err;
      }
      const table = parsed[0];
      if (!table) throw new DaliError('UPLOAD_INVALID', `UPLOAD ${spec.name} contains no TABLE`);
      const sqlName = `u${randomBytes(5).toString('hex')}_${spec.name.toLowerCase()}`;
      const columns: ColumnDef[] = table.fields.map((f) => ({
        name: f.name,
        datatype: f.datatype,
        // VOTable 1.3 erratum 3: arraysize="1" is deprecated and means the same as no arraysize.
        arraysize: f.arraysize === '1' ? undefined : f.arraysize,
        xtype: f.xtype,
        unit: f.unit,
        ucd: f.ucd,
        utype: f.utype,
        description: f.description ?? '',
      }));
      for (const c of columns) {
        // A fixed arraysize is written out in full on every result row (BINARY2 pads it): a few bytes of upload
        // must not declare a column that turns into gigabytes of result.
        const shape = parseArraysize(c.arraysize, { field: c.name });
        if (shape.kind === 'fixed' && shape.count > MAX_FIXED_ARRAY) {
          throw new DaliError('TOO_LARGE', `UPLOAD ${spec.name} column "${c.name}" declares arraysize="${c.arraysize}"; the largest fixed arraysize accepted is ${MAX_FIXED_ARRAY}`);
        }
      }
      const seen = new Set<string>();
      for (const c of columns) {
        if (seen.has(c.name.toLowerCase())) throw new DaliError('UPLOAD_INVALID', `UPLOAD ${spec.name} has two columns named "${c.name}"`);
        seen.add(c.name.toLowerCase());
      }
      refuseNulBytes(spec.name, columns, table.rows);
      const sqlColumnNames = Object.fromEntries(columns.map((c, i) => [c.name, `c${i}`]));
      await db.exec(`CREATE TABLE tap_upload.${quoteIdent(sqlName)} (${columns.map((c, i) => `c${i} ${sqlType(c)}`).join(', ')})`);
      created.push(sqlName);
      if (table.rows.length) await db.copyIn(`tap_upload.${quoteIdent(sqlName)}`, columns.map((_, i) => `c${i}`), [table.rows]);
      tables.push({ schema: 'TAP_UPLOAD', name: spec.name, sqlSchema: 'tap_upload', sqlName, description: `Uploaded table ${spec.name}`, columns, sqlColumnNames });
    }
    return { tables, drop };
  } catch (err) {
    await drop();
    throw err;
  }
}
