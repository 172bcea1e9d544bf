// TEMPORARY (not committed): dumps translations of corpus + test-file queries for before/after diffing.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'vitest';
import { readCorpus } from './conformance/corpus.js';
import { lyonetiaCatalog } from './conformance/fixture.js';
import { publishedCatalog } from '../schema/catalog.js';
import { parseAdql } from './parser.js';
import { translateQuery } from './index.js';
import { AdqlError } from './errors.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    if (n === 'node_modules' || n.startsWith('.') || n === 'dist') continue;
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (n.endsWith('.ts') && !n.includes('zz-sqldump')) out.push(p);
  }
  return out;
}

it('dumps', () => {
  const out: string[] = [];
  const run = (adql: string, cat: Parameters<typeof translateQuery>[1], inline: boolean) => {
    try {
      const t = translateQuery(parseAdql(adql), cat, { rowLimit: 1001, inlineLiterals: inline });
      out.push(JSON.stringify({ adql, inline, sql: t.sql, params: t.params, columns: t.columns }));
    } catch (e) {
      if (e instanceof AdqlError) out.push(JSON.stringify({ adql, inline, error: e.code, message: e.message, line: e.line, column: e.column, hint: e.hint }));
      else out.push(JSON.stringify({ adql, inline, crash: String(e) }));
    }
  };
  const lcat = lyonetiaCatalog(publishedCatalog());
  for (const q of readCorpus(resolve(process.cwd(), '../shared/data/adql-lyonetia'))) { run(q.adql, lcat, false); run(q.adql, lcat, true); }
  const pcat = publishedCatalog();
  const re = /(['`])((?:SELECT|WITH|select|with)\s(?:(?!\1)[^\\]|\\.)*?)\1/g;
  const seen = new Set<string>();
  for (const f of [...files('adql'), ...files('test'), ...files('query'), ...files('bench'), ...files('server'), ...files('web')]) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(re)) {
      const s = m[2] as string;
      if (s.includes('${') || seen.has(s)) continue;
      seen.add(s);
      run(s, pcat, false);
      run(s, lcat, false);
      run(s, pcat, true);
    }
  }
  writeFileSync(process.env.DUMP_OUT ?? '/tmp/resolve-dump/out.jsonl', out.join('\n') + '\n');
}, 120000);
