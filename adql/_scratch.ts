import { readFileSync } from 'node:fs';
import { parseAdql } from './parser.js';
import { AdqlError } from './errors.js';
const lines = readFileSync('/tmp/corpus.txt', 'utf8').split('\n').filter(Boolean);
let bad = 0;
for (const l of lines) {
  const [file, valid, , q] = l.split('\t');
  let ok = true; let msg = '';
  try { parseAdql(q!); } catch (e) { ok = false; msg = e instanceof AdqlError ? e.describe() : 'NON-ADQL ' + String(e); }
  if ((valid === 'true') !== ok || msg.startsWith('NON')) { bad++; console.log(file, valid, q!.slice(0, 160), '=>', msg); }
}
console.log('mismatches', bad, 'of', lines.length);
