/** Reads the TSVs of a repository checkout and returns the files they generate (I/O edge of csc2-columns.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { masterSource } from '../csc2/master-source.js';
import { COLUMN_LIST, UCD_LIST, generateCsc2Files, parseColumnRows, parseUcdRows } from './csc2-columns.js';
import type { GeneratedFile } from './csc2-columns.js';

/** The files the TSVs under `root` generate. */
export function generateFromRepo(root: string): GeneratedFile[] {
  const masterUcds = new Map(masterSource.columns.filter((c) => c.ucd).map((c) => [c.name, c.ucd ?? '']));
  return generateCsc2Files({
    rows: parseColumnRows(readFileSync(join(root, COLUMN_LIST), 'utf8')),
    ucds: parseUcdRows(readFileSync(join(root, UCD_LIST), 'utf8')),
    masterUcds,
  });
}
