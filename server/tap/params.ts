/** TAP/DALI request parameters from GET query strings, POST application/x-www-form-urlencoded and POST
 *  multipart/form-data (busboy; file parts go to temporary files for TAP_UPLOAD's param: scheme). Names are
 *  case-insensitive (DALI 1.1 §3.1), values are kept as given. */
import busboy from 'busboy';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Context } from 'koa';
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
  /** Largest accepted request body / uploaded file, in bytes. */
  maxBytes: number;
}

/** Reads every parameter of a request. Form bodies are read here; do not add another body parser. */
export async function readTapParams(ctx: Context, limits: ParamLimits): Promise<TapParams> {
  const params = new TapParams();
  for (const [k, v] of new URLSearchParams(ctx.querystring)) params.add(k, v);
  if (ctx.method !== 'POST') return params;
  const type = ctx.get('content-type').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    await readMultipart(ctx, params, limits);
  } else if (type.startsWith('application/x-www-form-urlencoded') || type === '') {
    const body = await readBody(ctx, limits.maxBytes);
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
    if (size > maxBytes) throw new DaliError('TOO_LARGE', `request body larger than the limit of ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readMultipart(ctx: Context, params: TapParams, limits: ParamLimits): Promise<void> {
  const bb = busboy({ headers: ctx.req.headers, limits: { fileSize: limits.maxBytes, fieldSize: limits.maxBytes } });
  const writes: Promise<void>[] = [];
  let tooLarge: string | undefined;
  bb.on('field', (name, value, info) => {
    if (info.valueTruncated) tooLarge = name;
    params.add(name, value);
  });
  bb.on('file', (name, stream, info) => {
    const path = join(params.dir(), `${params.files.length}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    const part: UploadedPart = { field: name, filename: info.filename ?? name, path, size: 0 };
    params.files.push(part);
    stream.on('data', (c: Buffer) => (part.size += c.length));
    stream.on('limit', () => (tooLarge = name));
    writes.push(pipeline(stream, createWriteStream(path)));
  });
  try {
    await pipeline(ctx.req, bb);
    await Promise.all(writes);
  } catch (err) {
    params.cleanup();
    throw new DaliError('BAD_PARAMETER', `cannot read the multipart request body: ${(err as Error).message}`, { cause: err });
  }
  if (tooLarge !== undefined) {
    params.cleanup();
    throw new DaliError('TOO_LARGE', `part "${tooLarge}" is larger than the upload limit of ${limits.maxBytes} bytes`);
  }
}
