/** Reads the IVOA lyonetia ADQL corpus (XML files of `<query uuid><adql valid version>` items) from disk.
 *  Part of the conformance CLI, not of the pure core: it reads files. Format: lyonetia src/adql/queries.xsd. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export interface CorpusQuery {
  /** Path relative to the corpus root, e.g. 'ivoa/1_select.xml'. */
  file: string;
  uuid: string;
  description: string;
  valid: boolean;
  version: string;
  adql: string;
}

function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...xmlFiles(p));
    else if (name.endsWith('.xml')) out.push(p);
  }
  return out;
}

type XmlNode = Record<string, unknown>;

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && '#text' in v) return String((v as XmlNode)['#text']);
  return '';
}

/** Every query of every XML file under `root`, in file order. */
export function readCorpus(root: string): CorpusQuery[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    isArray: (name) => name === 'query' || name === 'adql',
  });
  const out: CorpusQuery[] = [];
  for (const path of xmlFiles(root)) {
    const doc = parser.parse(readFileSync(path, 'utf8')) as XmlNode;
    const queries = ((doc['queries'] as XmlNode | undefined)?.['query'] ?? []) as XmlNode[];
    for (const q of queries) {
      for (const a of (q['adql'] ?? []) as XmlNode[]) {
        out.push({
          file: relative(root, path).split('\\').join('/'),
          uuid: String(q['@_uuid'] ?? ''),
          description: text(q['description']).trim().replace(/\s+/g, ' '),
          valid: a['@_valid'] === 'true',
          version: String(a['@_version'] ?? ''),
          adql: text(a).trim(),
        });
      }
    }
  }
  return out;
}
