/** The layering of the top-level folders (issue #10 "Must hold"): no import cycle between them; votable/ imports
 *  neither db/ nor server/; uws/ does not import server/; query/ does not import server/ or uws/; adql/ imports no
 *  other folder; schema/ imports only adql/catalog.ts (adql's interfaces and quoteIdent). Known violations are listed in
 *  ALLOWED with the reason: the list must only shrink, and an entry that no longer matches an import fails the
 *  test so that it is removed. */
import { describe, expect, it } from 'vitest';
import { folderCycles, folderEdges, type FolderEdge } from './import-graph.js';

const FOLDERS = ['adql', 'bench', 'cli', 'config', 'db', 'fits', 'ingest', 'mirror', 'ml', 'models', 'query', 'schema', 'server', 'synth', 'uws', 'votable'];

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
  {
    name: 'schema/ imports only adql/catalog.ts (the interfaces it implements, and quoteIdent)',
    from: 'schema',
    forbids: (e) => !(e.to === 'adql' && /(^|\/)adql\/catalog\.js$/.test(e.specifier)),
  },
];

/** Imports that break a rule, as "file -> folder/", each with its reason. MUST SHRINK: it is empty now; an entry
 *  whose import is gone fails the test. */
const ALLOWED = new Set<string>([]);

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
