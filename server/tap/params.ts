/** TAP/DALI request parameters from GET query strings, POST application/x-www-form-urlencoded and POST
 *  multipart/form-data (busboy; file parts go to temporary files for TAP_UPLOAD's param: scheme). Names are
 *  case-insensitive (DALI 1.1 §3.1), values are kept as given. */
import busboy from 'busboy';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from 'koa';
import type { Config } from '../../config/index.js';
import { DaliError } from '../errors.js';
import { TapParams } from '../../query/params.js';
import type { UploadedPart } from '../../query/params.js';

export { TapParams, UPLOAD_DIR_PREFIX } from '../../query/params.js';
export type { UploadedPart } from '../../query/params.js';

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
