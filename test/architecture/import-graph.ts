/** The import graph between top-level source folders, read from the import/export statements of every .ts file
 *  (tests excluded: *.test.ts and test/). Used by imports.test.ts to check the layering rules. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One import of a file in folder `from` of a module in folder `to` (file and specifier kept for messages). */
export interface FolderEdge {
  from: string;
  to: string;
  file: string;
  specifier: string;
  /** `import type` / `export type`: erased at compile time (an interface dependency only). */
  typeOnly: boolean;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s(type\s)?(?:[^'";]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every import that crosses from one top-level folder into another, for the folders given. */
export function folderEdges(root: string, folders: ReadonlyArray<string>): FolderEdge[] {
  const known = new Set(folders);
  const edges: FolderEdge[] = [];
  for (const folder of folders) {
    for (const file of sourceFiles(join(root, folder))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const specifier = m[2] as string;
        const target = relative(root, resolve(dirname(file), specifier));
        const to = target.split(sep)[0] as string;
        if (to !== folder && known.has(to)) edges.push({ from: folder, to, file: relative(root, file), specifier, typeOnly: m[1] !== undefined });
      }
    }
  }
  return edges;
}

/** The cycles of a folder graph (each as a list of folders, first repeated at the end), one per strongly
 *  connected component of more than one folder; Tarjan's algorithm. */
export function folderCycles(edges: ReadonlyArray<{ from: string; to: string }>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    if (!next.has(e.to)) next.set(e.to, new Set());
    next.get(e.from)?.add(e.to);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) components.push(scc.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return components;
}
