/** The layering of the top-level folders (issue #10 "Must hold"): no import cycle between them; votable/ imports
 *  neither db/ nor server/; uws/ does not import server/; query/ does not import server/ or uws/; adql/ imports no
 *  other folder; schema/ imports only adql/'s interfaces (`import type`). Known violations are listed in
 *  ALLOWED with the reason: the list must only shrink, and an entry that no longer matches an import fails the
 *  test so that it is removed. */
import { describe, expect, it } from 'vitest';
import { folderCycles, folderEdges, type FolderEdge } from './import-graph.js';

const FOLDERS = ['adql', 'bench', 'cli', 'config', 'db', 'fits', 'ingest', 'ml', 'models', 'query', 'schema', 'server', 'uws', 'votable'];

interface Rule {
  name: string;
  from: string;
  /** Whether an import from `from` into `edge.to` breaks the rule. */
  forbids: (edge: FolderEdge) => boolean;
}

const RULES: Rule[] = [
  { name: 'votable/ imports neither db/ nor server/', from: 'votable', forbids: (e) => e.to === 'db' || e.to === 'server' },
  { name: 'uws/ does not import server/', from: 'uws', forbids: (e) => e.to === 'server' },
  { name: 'query/ imports neither server/ nor uws/ (they are its adapters)', from: 'query', forbids: (e) => e.to === 'server' || e.to === 'uws' },
  { name: 'db/ imports neither query/, server/ nor uws/', from: 'db', forbids: (e) => e.to === 'query' || e.to === 'server' || e.to === 'uws' },
  { name: 'adql/ imports no other folder', from: 'adql', forbids: () => true },
  { name: 'schema/ imports only adql/ interfaces (import type)', from: 'schema', forbids: (e) => !(e.to === 'adql' && e.typeOnly) },
];

/** Imports that break a rule today, as "file -> specifier". MUST SHRINK: the adql/schema passes (issue #10
 *  point 3-4, helper "adqlpass") remove them; delete an entry when its import goes. */
const ALLOWED = new Set<string>([
  // adql/ resolves names against schema/'s Catalog, types and quoting: adql should declare the Catalog interface
  // that schema/ implements.
  'adql/conformance/fixture.ts -> schema/',
  'adql/conformance/run.ts -> schema/',
  'adql/functions.ts -> schema/',
  'adql/index.ts -> schema/',
  'adql/resolve.ts -> schema/',
  'adql/sql-types.ts -> schema/',
  'adql/to-postgres.ts -> schema/',
  'adql/translate-expr.ts -> schema/',
  // schema/ migrations take geometry SQL from adql/ and the UWS DDL from uws/: both should come through db/.
  'schema/migrations.ts -> adql/',
  'schema/migrations.ts -> uws/',
  // TAP_SCHEMA rows use adql's reserved-word list (a value import).
  'schema/tap-schema-rows.ts -> adql/',
]);

/** Allow-list entries name a file and the folder it may not import (whatever module of it). */
const key = (e: FolderEdge) => `${e.file} -> ${e.to}/`;
const edges = folderEdges(process.cwd(), FOLDERS);

describe('import graph between top-level folders', () => {
  it('reads the imports (the graph is not empty and sees the query/ adapters)', () => {
    expect(edges.length).toBeGreaterThan(50);
    expect(edges.some((e) => e.from === 'uws' && e.to === 'query')).toBe(true);
    expect(edges.some((e) => e.from === 'server' && e.to === 'query')).toBe(true);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const broken = edges.filter((e) => e.from === rule.from && rule.forbids(e) && !ALLOWED.has(key(e)));
      expect(broken.map((e) => `${e.file} -> ${e.specifier}`)).toEqual([]);
    });
  }

  it('every allow-list entry is still a violation (remove entries whose import is gone)', () => {
    const violations = new Set(edges.filter((e) => RULES.some((r) => r.from === e.from && r.forbids(e))).map(key));
    expect([...ALLOWED].filter((k) => !violations.has(k))).toEqual([]);
  });

  it('has no cycle between folders once the allowed violations are left out', () => {
    expect(folderCycles(edges.filter((e) => !ALLOWED.has(key(e))))).toEqual([]);
  });

  it('finds a cycle when there is one (the check is live)', () => {
    expect(folderCycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'c', to: 'd' }])).toEqual([['a', 'b', 'c']]);
  });
});
