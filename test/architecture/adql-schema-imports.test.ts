/** Import rules of adql/ and schema/ (issue #10.4): adql/ imports nothing from the rest of the repo; schema/
 *  imports from adql/ only its interfaces (adql/catalog.ts) and nothing else outside schema/; migrations get the
 *  ADQL geometry SQL and the UWS DDL through db/migrations.ts. Tests (`*.test.ts`, `testing/`) may import anything.
 *  Imports are read with TypeScript's own pre-processor (static, dynamic and `export … from`). */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testing') out.push(...sourceFiles(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Repo-relative targets of the relative imports of one file (package imports are not the repo's). */
function repoImports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  const targets = info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts'));
  return [...new Set(targets)];
}


describe('import rules of adql/ and schema/', () => {
  it('scans the files it guards', () => {
    expect(sourceFiles('adql').length).toBeGreaterThan(20);
    expect(sourceFiles('schema').length).toBeGreaterThan(20);
  });

  it('adql/ imports nothing from the rest of the repo', () => {
    const offending = sourceFiles('adql')
      .flatMap((f) => repoImports(f).filter((t) => !t.startsWith('adql/')).map((t) => `${f} → ${t}`));
    expect(offending).toEqual([]);
  });

  it('schema/ imports only adql/catalog.ts (adql’s interfaces) from outside schema/', () => {
    const offending = sourceFiles('schema').flatMap((f) =>
      repoImports(f)
        .filter((t) => !t.startsWith('schema/') && t !== 'adql/catalog.ts')
        .map((t) => `${f} → ${t}`),
    );
    expect(offending).toEqual([]);
  });

  it('adql/catalog.ts, the interface schema/ may import, imports nothing', () => {
    expect(repoImports('adql/catalog.ts')).toEqual([]);
  });

  it('the migration list comes from db/, which adds the geometry SQL and the UWS DDL to schema’s table migrations', () => {
    expect(repoImports('db/migrations.ts').sort()).toEqual(
      ['adql/geometry/sql-functions.ts', 'db/uws-ddl.ts', 'schema/index.ts'].sort(),
    );
    // the job store's DDL lives in db/ (uws/ imports it from there), a leaf of constant SQL
    expect(repoImports('db/uws-ddl.ts')).toEqual([]);
  });
});

/** Repo files reachable from `start` through relative imports (type-only imports included). */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const f = todo.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...repoImports(f).map((t) => (t.endsWith('.ts') ? t : `${t}.ts`)));
  }
  return seen;
}

/** The translate pass and the resolve pass of adql/ (issue #10.3): parse → resolve → translate, each testable on
 *  its own; the translator reads the resolved tree (adql/resolved.ts) and never calls the resolver. */
describe('adql/ passes', () => {
  const TRANSLATOR = ['adql/to-postgres.ts', 'adql/translate-expr.ts', 'adql/translate-call.ts', 'adql/sql-types.ts'];
  const isResolver = (f: string) => f.startsWith('adql/resolve/');

  it('the translator imports nothing of the resolve pass (directly or through another module)', () => {
    const offending = TRANSLATOR.flatMap((f) => [...reachable(f)].filter(isResolver).map((t) => `${f} ⇝ ${t}`));
    expect(offending).toEqual([]);
  });

  it('the resolve pass imports nothing of the translator', () => {
    const resolver = sourceFiles('adql/resolve');
    expect(resolver.length).toBeGreaterThan(3);
    const offending = resolver.flatMap((f) => [...reachable(f)].filter((t) => TRANSLATOR.includes(t)).map((t) => `${f} ⇝ ${t}`));
    expect(offending).toEqual([]);
  });

  it('only the pipeline (adql/index.ts) reaches both passes (the check is live)', () => {
    const all = reachable('adql/index.ts');
    expect(all.has('adql/resolve/index.ts')).toBe(true);
    expect(all.has('adql/to-postgres.ts')).toBe(true);
  });
});
