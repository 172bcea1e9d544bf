/** The DALI error document: a small whole VOTable (built with xmlbuilder2, unlike the streaming encoders)
 *  with one RESOURCE type="results" holding INFO QUERY_STATUS=ERROR whose text is the message, plus optional
 *  INFOs (QUERY echo, service version, request id…). Spec: DALI 1.1 §4.2, §4.4.2; TAP 1.1 §3.3. Pure. */
import { create } from 'xmlbuilder2';
import type { VotableInfo } from './document.js';
import { stripXmlIllegal } from './xml.js';

export interface ErrorVotableOptions {
  /** INFOs after the QUERY_STATUS one. */
  infos?: ReadonlyArray<VotableInfo>;
  /** Default '1.4'. */
  version?: '1.4' | '1.5';
}

// xmlbuilder2 serializes attributes as the DOM Parsing spec says, leaving TAB/LF/CR raw, and a parser then
// turns them into spaces (XML 1.0 §3.3.3): an echoed ADQL query with a `--` comment would change meaning.
// So they travel through the builder as private-use marks and become character references afterwards.
const MARKS: Readonly<Record<string, string>> = { '\t': '\uE009', '\n': '\uE00A', '\r': '\uE00D' };
const MARKED = /[\uE009\uE00A\uE00D]/g;

function clean(s: string): string {
  return stripXmlIllegal(s).replace(MARKED, ' ');
}

function markAttr(s: string): string {
  return clean(s).replace(/[\t\n\r]/g, (c) => MARKS[c] ?? c);
}

/** Renders the error document for a message. */
export function errorVotable(message: string, opts: ErrorVotableOptions = {}): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele('http://www.ivoa.net/xml/VOTable/v1.3', 'VOTABLE', {
    version: opts.version ?? '1.4',
  });
  const res = doc.ele('RESOURCE', { type: 'results' });
  res.ele('INFO', { name: 'QUERY_STATUS', value: 'ERROR' }).txt(clean(message));
  for (const i of opts.infos ?? []) {
    if (i.name === 'QUERY_STATUS') continue;
    const attrs: Record<string, string> = {};
    if (i.ID !== undefined) attrs.ID = i.ID;
    attrs.name = i.name;
    attrs.value = markAttr(i.value);
    if (i.ucd !== undefined) attrs.ucd = i.ucd;
    if (i.utype !== undefined) attrs.utype = i.utype;
    if (i.unit !== undefined) attrs.unit = i.unit;
    if (i.xtype !== undefined) attrs.xtype = i.xtype;
    const el = res.ele('INFO', attrs);
    if (i.content !== undefined && i.content !== '') el.txt(clean(i.content));
  }
  return doc.end({ prettyPrint: true }).replace(MARKED, (m) => `&#${m.charCodeAt(0) - 0xe000};`);
}
