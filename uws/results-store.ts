/** The results store: one directory per job under config.resultsDir (<root>/<jobId>/) holding the job's
 *  uploaded files (uploads/) and its result file. Paths given out are relative to the root, so the database
 *  rows stay valid if the directory moves. Object storage can replace this class later. */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { DaliError } from '../query/errors.js';
import type { JobUpload } from './types.js';

/** Passes bytes through until more than `max` went by, then fails the pipeline with a TOO_LARGE error. */
function capBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) {
        done(
          new DaliError(
            'TOO_LARGE',
            `the result is larger than the ${max} bytes one job may store (XTAP_RESULT_MAX_BYTES); select fewer rows (TOP, MAXREC, a narrower WHERE) or fewer columns`,
          ),
        );
        return;
      }
      done(null, chunk);
    },
  });
}

/** A job id as we mint it (hex); anything else never reaches the file system. */
const JOB_ID = /^[a-z0-9]{8,64}$/;

export class ResultsStore {
  readonly root: string;

  /** Largest result file a job may store, in bytes. */
  readonly maxResultBytes: number;

  constructor(root: string, opts: { maxResultBytes?: number } = {}) {
    this.root = resolve(root);
    this.maxResultBytes = opts.maxResultBytes ?? Number.MAX_SAFE_INTEGER;
  }

  /** Absolute path of a stored relative path; refuses paths that leave the root. */
  absolute(relPath: string): string {
    const abs = resolve(this.root, relPath);
    if (!abs.startsWith(this.root + sep)) throw new Error(`path outside the results store: ${relPath}`);
    return abs;
  }

  private jobDir(jobId: string): string {
    if (!JOB_ID.test(jobId)) throw new Error(`not a job id: ${jobId}`);
    return join(this.root, jobId);
  }

  /** Copies uploaded request files (temporary files of the request) under the job, so they outlive the
   *  request and the process. `tag` keeps the names of later parameter POSTs apart. */
  async saveUploads(
    jobId: string,
    files: ReadonlyArray<{ field: string; filename: string; path: string; size: number }>,
    tag: string,
  ): Promise<JobUpload[]> {
    if (files.length === 0) return [];
    const dir = join(this.jobDir(jobId), 'uploads');
    await mkdir(dir, { recursive: true });
    const saved: JobUpload[] = [];
    for (const [i, f] of files.entries()) {
      const target = join(dir, `${tag}-${i}-${f.field.replace(/[^A-Za-z0-9_-]/g, '_')}`);
      await copyFile(f.path, target);
      saved.push({ field: f.field, filename: f.filename, path: relative(this.root, target), size: f.size });
    }
    return saved;
  }

  /** Writes a result stream to <jobId>/<name> through a temporary file, so a half-written result is never
   *  served. Returns the relative path and the size. */
  async writeResult(
    jobId: string,
    name: string,
    content: AsyncIterable<Uint8Array>,
    signal: AbortSignal,
  ): Promise<{ path: string; size: number }> {
    const dir = this.jobDir(jobId);
    await mkdir(dir, { recursive: true });
    const target = join(dir, name);
    const partial = `${target}.part`;
    try {
      await pipeline(Readable.from(content), capBytes(this.maxResultBytes), createWriteStream(partial), { signal });
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return { path: relative(this.root, target), size: (await stat(target)).size };
  }

  async removeFile(relPath: string): Promise<void> {
    await rm(this.absolute(relPath), { force: true });
  }

  async removeJob(jobId: string): Promise<void> {
    await rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  /** Job ids that have a directory here not modified for minAgeMs (a job being created has a directory
   *  before its row is committed, so young directories are never orphans). */
  async staleJobIds(minAgeMs: number): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(this.root, { withFileTypes: true })).filter((d) => d.isDirectory() && JOB_ID.test(d.name)).map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const cutoff = Date.now() - minAgeMs;
    const stale: string[] = [];
    for (const name of names) {
      const s = await stat(join(this.root, name)).catch(() => undefined);
      if (s && s.mtimeMs < cutoff) stale.push(name);
    }
    return stale;
  }
}
