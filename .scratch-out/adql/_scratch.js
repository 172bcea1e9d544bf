import { readCorpus } from './conformance/corpus.js';
import { parseAdql } from './parser.js';
const qs = readCorpus('/work/shared/data/adql-lyonetia');
const out = [];
for (const q of qs) {
    if (!q.valid)
        continue;
    let ast;
    try {
        ast = parseAdql(q.adql);
    }
    catch (e) {
        out.push('PARSEFAIL ' + q.file + ' ' + String(e));
        continue;
    }
    const tables = new Set();
    const cols = new Set();
    JSON.stringify(ast, (k, v) => { if (v && v.kind === 'table')
        tables.add(v.name.map((n) => n.name).join('.')); if (v && v.kind === 'column')
        cols.add(v.parts.map((n) => n.name).join('.')); return v; });
    out.push([...tables].join(',') + '\t' + [...cols].join(','));
}
console.log(out.join('\n'));
