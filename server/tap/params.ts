/** TAP/DALI request parameters from GET query strings, POST application/x-www-form-urlencoded and POST
 *  multipart/form-data (busboy; file parts go to temporary files for TAP_UPLOAD's param: scheme). Names are
 *  case-insensitive (DALI 1.1 §3.1), values are kept as given. */
import busboy from 'busboy';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from 'koa';
import type { Config } from '../../config/index.js';
import { DaliError } from '../errors.js';

export interface UploadedPart {
  /** Form field name (what UPLOAD=name,param:<field> refers to). */
  field: string;
  filename: string;
  path: string;
  size: number;
}

export class TapParams {
  private readonly values = new Map<string, string[]>();
  readonly files: UploadedPart[] = [];
  private tempDir?: string;

  add(name: string, value: string): void {
    const key = name.toUpperCase();
    const list = this.values.get(key);
    if (list) list.push(value);
    else this.values.set(key, [value]);
  }

  /** All values of a parameter (any case of its name). */
  all(name: string): string[] {
    return this.values.get(name.toUpperCase()) ?? [];
  }

  /** The single value of a parameter; giving it twice is an error (DALI §3.2). */
  get(name: string): string | undefined {
    const v = this.all(name);
    if (v.length > 1) throw new DaliError('BAD_PARAMETER', `parameter ${name.toUpperCase()} was given ${v.length} times; it takes one value`);
    return v[0];
  }

  has(name: string): boolean {
    return this.values.has(name.toUpperCase());
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  /** Every parameter as (NAME, value) pairs, in arrival order per name. */
  entries(): Array<[string, string]> {
    return [...this.values].flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]));
  }

  file(field: string): UploadedPart | undefined {
    return this.files.find((f) => f.field === field);
  }

  dir(): string {
    this.tempDir ??= mkdtempSync(join(tmpdir(), `${UPLOAD_DIR_PREFIX}${process.pid}-`));
    return this.tempDir;
  }

  /** Removes uploaded temporary files. */
  cleanup(): void {
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
  }
}

/** Upload temp dirs are named xtap-upload-<pid>-…: a start-up sweep removes those of processes that are gone. */
export const UPLOAD_DIR_PREFIX = 'xtap-upload-';

export interface ParamLimits {
  /** Largest uploaded file (one multipart file part), in bytes. */
  maxFileBytes: number;
  /** Largest request body, all parts together, in bytes. */
  maxBodyBytes: number;
  /** Most parts (fields and files) in a multipart body. */
  maxParts: number;
  /** Largest url-encoded body or non-file multipart field, in bytes. */
  maxFieldBytes: number;
}

/** The request limits of the configuration. */
export function requestLimits(limits: Config['limits']): ParamLimits {
  return { maxFileBytes: limits.uploadMaxBytes, maxBodyBytes: limits.requestMaxBytes, maxParts: limits.requestMaxParts, maxFieldBytes: limits.formMaxBytes };
}

const tooLarge = (what: string, limit: number, unit = 'bytes') => new DaliError('TOO_LARGE', `${what}; the limit is ${limit} ${unit}`);

/** Reads every parameter of a request. Form bodies are read here; do not add another body parser. A body beyond
 *  a limit is refused as soon as its Content-Length or its bytes so far show it (HTTP 413). */
export async function readTapParams(ctx: Context, limits: ParamLimits): Promise<TapParams> {
  const params = new TapParams();
  for (const [k, v] of new URLSearchParams(ctx.querystring)) params.add(k, v);
  if (ctx.method !== 'POST') return params;
  const type = ctx.get('content-type').toLowerCase();
  const multipart = type.startsWith('multipart/form-data');
  const declared = Number(ctx.get('content-length') || NaN);
  const bodyLimit = multipart ? limits.maxBodyBytes : limits.maxFieldBytes;
  if (declared > bodyLimit) throw tooLarge(`the request body is ${declared} bytes`, bodyLimit);
  if (multipart) {
    await readMultipart(ctx, params, limits);
  } else if (type.startsWith('application/x-www-form-urlencoded') || type === '') {
    const body = await readBody(ctx, limits.maxFieldBytes);
    for (const [k, v] of new URLSearchParams(body)) params.add(k, v);
  } else {
    throw new DaliError('UNSUPPORTED', `unsupported request Content-Type "${type}": use application/x-www-form-urlencoded or multipart/form-data`);
  }
  return params;
}

async function readBody(ctx: Context, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(`the url-encoded request body is larger than ${maxBytes} bytes`, maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Passes the body through, failing once more than maxBytes went by. */
function byteLimit(maxBytes: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) done(tooLarge(`the request body is larger than ${maxBytes} bytes`, maxBytes));
      else done(null, chunk);
    },
  });
}

async function readMultipart(ctx: Context, params: TapParams, limits: ParamLimits): Promise<void> {
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: ctx.req.headers, limits: { fileSize: limits.maxFileBytes, fieldSize: limits.maxFieldBytes, parts: limits.maxParts } });
  } catch (err) {
    throw new DaliError('BAD_PARAMETER', `cannot read the multipart request body: ${(err as Error).message}`, { cause: err });
  }
  const writes: Promise<void>[] = [];
  const fail = (err: DaliError) => bb.destroy(err);
  bb.on('field', (name, value, info) => {
    if (info.valueTruncated) return fail(tooLarge(`form field "${name}" is larger than ${limits.maxFieldBytes} bytes`, limits.maxFieldBytes));
    params.add(name, value);
  });
  bb.on('partsLimit', () => fail(tooLarge(`the request has more than ${limits.maxParts} parts`, limits.maxParts, 'parts')));
  bb.on('file', (name, stream, info) => {
    const path = join(params.dir(), `${params.files.length}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    const part: UploadedPart = { field: name, filename: info.filename ?? name, path, size: 0 };
    params.files.push(part);
    stream.on('data', (c: Buffer) => (part.size += c.length));
    stream.on('limit', () => fail(tooLarge(`uploaded file "${name}" is larger than ${limits.maxFileBytes} bytes`, limits.maxFileBytes)));
    const write = pipeline(stream, createWriteStream(path));
    write.catch(() => undefined); // reported through the body pipeline; never an unhandled rejection
    writes.push(write);
  });
  try {
    await pipeline(ctx.req, byteLimit(limits.maxBodyBytes), bb);
    await Promise.all(writes);
  } catch (err) {
    params.cleanup();
    if (err instanceof DaliError) throw err;
    throw new DaliError('BAD_PARAMETER', `cannot read the multipart request body: ${(err as Error).message}`, { cause: err });
  }
}
