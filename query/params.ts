/** A TAP/DALI request as plain values: parameter names case-insensitive (DALI 1.1 §3.1), values as given, and the
 *  uploaded files (TAP_UPLOAD param: scheme) already on disk. server/ parses HTTP into it (server/tap/params.ts);
 *  the async workers rebuild it from a stored job. No HTTP types here. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaliError } from './errors.js';

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
