/** Metadata is written once, in schema/ (issue #10.4). Guards the likeliest relapses by searching the code of every
 *  folder (comments stripped by TypeScript's printer; tests excluded) for a second copy of: the representation map
 *  shape, the class list, the counterpart magnitude list and band names, a hand-written column list of an INSERT into an ml table,
 *  and a column recognised by a regex on its description. */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'test', 'testing', 'data', 'docs', '.git', '.ci']);

function codeFiles(dir = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) out.push(...codeFiles(p));
    } else if (dir && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const printer = ts.createPrinter({ removeComments: true });
function codeWithoutComments(file: string): string {
  const src = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return printer.printFile(src);
}

interface Rule {
  what: string;
  pattern: RegExp;
  /** The one file allowed to hold it. */
  home?: string;
}

const RULES: Rule[] = [
  { what: 'the representation map shape', pattern: /\b(24x16|16x24)\b|timeBins:\s*24\b|=\s*24;\s*\n[^\n]*=\s*16;/, home: 'schema/ml/event-map-shape.ts' },
  { what: 'the class list', pattern: /["']AGN["'],\s*["']CV["']/, home: 'schema/ml/source-class.ts' },
  { what: 'the magnitude list', pattern: /["']gmag["'],\s*["']bpmag["']/, home: 'schema/ml/mw-counterpart.ts' },
  { what: 'the counterpart band names written out (derive them from MW_BANDS)', pattern: /\bG,\s*BP,\s*RP\b/ },
  { what: 'a hand-written INSERT column list into an ml table (use schema insertRow)', pattern: /INSERT INTO\s+"?ml"?\."?\w+"?\s*\(/i },
  { what: 'a column recognised by its description (use a column role)', pattern: /\.test\(\s*\w+\.description\s*\)|\.description\.(match|search)\(/ },
];

describe('metadata written once (schema/ is the only source)', () => {
  const files = codeFiles();
  const code = new Map(files.map((f) => [f, codeWithoutComments(f)]));

  it('scans the code of every folder', () => {
    for (const dir of ['adql/', 'schema/', 'server/', 'ingest/', 'ml/', 'models/', 'db/', 'votable/']) {
      expect(files.some((f) => f.startsWith(dir))).toBe(true);
    }
  });

  for (const rule of RULES) {
    it(`${rule.what} appears ${rule.home ? `only in ${rule.home}` : 'nowhere'}`, () => {
      const hits = files.filter((f) => f !== rule.home && rule.pattern.test(code.get(f) ?? ''));
      expect(hits).toEqual([]);
      if (rule.home) expect(rule.pattern.test(code.get(rule.home) ?? '')).toBe(true);
    });
  }
});
