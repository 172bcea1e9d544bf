/** Whole-document VOTable reader (1.1–1.5) for uploads and ingest: fast-xml-parser for the structure, our own
 *  decoding of TABLEDATA (a TR/TD scanner), BINARY and BINARY2 (base64 streams), and of the metadata
 *  (RESOURCE, TABLE, FIELD, PARAM, GROUP, INFO, COOSYS, TIMESYS). FITS-serialized data and external STREAMs
 *  are rejected. Values follow xtap's Row conventions; bad input throws VotableError (codes in README.md).
 *  Spec: VOTable 1.4 §3–6. Pure. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Row } from './row.js';
import type { VotableDatatype } from '../schema/types.js';
import { decodeBase64 } from './base64.js';
import { VotableError } from './errors.js';
import { scanTabledata } from './tabledata-scanner.js';
import { buildBinaryReader, buildTextParser, type BinaryCursor, type BinaryReader, type DecodeField } from './value-parsers.js';
import { decodeXmlEntities } from './xml.js';

/** A FIELD as read: its metadata (ColumnMeta-like) and VALUES. */
export interface VotableField {
  name: string;
  ID?: string;
  datatype: VotableDatatype;
  arraysize?: string;
  unit?: string;
  ucd?: string;
  utype?: string;
  xtype?: string;
  ref?: string;
  precision?: string;
  width?: string;
  description: string;
  /** VALUES null, parsed for the datatype (bigint for long, number for other numbers, string for text). */
  nullValue?: number | bigint | string;
  values?: { min?: string; max?: string; options: Array<{ value: string; name?: string }> };
}

/** A PARAM: a FIELD with a value, given both as text and decoded like a TABLEDATA cell. */
export interface VotableParam extends VotableField {
  rawValue: string;
  value: unknown;
}

export interface VotableInfoElement {
  name: string;
  value: string;
  /** Element text (e.g. the message of QUERY_STATUS=ERROR); '' when empty. */
  content: string;
  ID?: string;
  ucd?: string;
  utype?: string;
  unit?: string;
  xtype?: string;
  ref?: string;
}

export interface VotableGroup {
  name?: string;
  ID?: string;
  ref?: string;
  ucd?: string;
  utype?: string;
  description?: string;
  params: VotableParam[];
  fieldRefs: string[];
  paramRefs: string[];
  groups: VotableGroup[];
}

export interface VotableCoosysElement {
  ID?: string;
  system?: string;
  equinox?: string;
  epoch?: string;
  refposition?: string;
}

export interface VotableTimesysElement {
  ID?: string;
  timescale?: string;
  timeorigin?: string;
  refposition?: string;
}

/** RESOURCE metadata without its tables (what each table carries about its parent). */
export interface VotableResourceInfo {
  type: string;
  name?: string;
  ID?: string;
  utype?: string;
  description?: string;
  /** Every INFO child, in document order (leading and trailing). */
  infos: VotableInfoElement[];
  params: VotableParam[];
  groups: VotableGroup[];
  coosys: VotableCoosysElement[];
  timesys: VotableTimesysElement[];
}

export interface VotableResource extends VotableResourceInfo {
  tables: VotableTable[];
  resources: VotableResource[];
}

export interface VotableTable {
  name?: string;
  ID?: string;
  ucd?: string;
  utype?: string;
  description?: string;
  fields: VotableField[];
  params: VotableParam[];
  groups: VotableGroup[];
  /** INFOs of the TABLE and of its DATA, in document order. */
  infos: VotableInfoElement[];
  /** How the rows were serialized; null when the TABLE has no DATA. */
  serialization: 'TABLEDATA' | 'BINARY' | 'BINARY2' | null;
  rows: Row[];
  /** The RESOURCE that holds the table. */
  resource: VotableResourceInfo;
}

export interface VotableDocument {
  version?: string;
  description?: string;
  infos: VotableInfoElement[];
  params: VotableParam[];
  groups: VotableGroup[];
  coosys: VotableCoosysElement[];
  timesys: VotableTimesysElement[];
  resources: VotableResource[];
}

// --------------------------------------------------------------------------------------------- XML tree

interface XNode {
  tag: string;
  attrs: Record<string, string>;
  children: XNode[];
  /** Text content (entities decoded, CDATA raw), concatenated over direct text children. */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false, // we decode entities ourselves, without the parser's expansion limits
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  commentPropName: false,
  // Raw content: TABLEDATA goes to our scanner; STREAM is base64; DESCRIPTION may hold XHTML.
  stopNodes: ['*.TABLEDATA', '*.STREAM', '*.DESCRIPTION'],
});

function toNodes(items: unknown, rawTag: boolean): { nodes: XNode[]; text: string } {
  const nodes: XNode[] = [];
  let text = '';
  if (!Array.isArray(items)) return { nodes, text };
  for (const item of items as Array<Record<string, unknown>>) {
    for (const key of Object.keys(item)) {
      if (key === ':@') continue;
      const v = item[key];
      if (key === '#text') {
        const t = typeof v === 'string' ? v : String(v);
        text += rawTag ? t : decodeXmlEntities(t);
      } else if (key === '#cdata') {
        const inner = toNodes(v, true);
        text += inner.text;
      } else if (key.startsWith('?') || key.startsWith('!')) {
        continue;
      } else {
        const rawAttrs = (item[':@'] ?? {}) as Record<string, unknown>;
        const attrs: Record<string, string> = {};
        for (const [k, a] of Object.entries(rawAttrs)) {
          // Attribute-value normalization (XML 1.0 §3.3.3): literal whitespace → space, then references.
          attrs[k] = decodeXmlEntities(String(a).replace(/[\t\n\r]/g, ' '));
        }
        const raw = key === 'TABLEDATA' || key === 'STREAM';
        const inner = toNodes(v, raw);
        nodes.push({ tag: key, attrs, children: inner.nodes, text: inner.text });
      }
    }
  }
  return { nodes, text };
}

function decodeInput(input: Uint8Array | string): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (input[0] === 0xfe && input[1] === 0xff) return new TextDecoder('utf-16be').decode(input.subarray(2));
  if (input[0] === 0xff && input[1] === 0xfe) return new TextDecoder('utf-16le').decode(input.subarray(2));
  const head = new TextDecoder('latin1').decode(input.subarray(0, 200));
  const m = /^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  const label = m?.[1]?.toLowerCase() ?? 'utf-8';
  try {
    return new TextDecoder(label === 'us-ascii' || label === 'ascii' ? 'utf-8' : label).decode(input);
  } catch (err) {
    throw new VotableError('E01', `unsupported XML encoding "${label}"`, { cause: err });
  }
}

/** Limits on a document, checked before the XML is parsed (FIELDs) or while rows are decoded (rows), so an
 *  oversized document costs a scan, not a parse. */
export interface VotableLimits {
  /** FIELD elements in the whole document. */
  maxFields?: number;
  /** Rows in one TABLE. */
  maxRows?: number;
}

/** FIELD start tags (any namespace prefix), counted with indexOf (linear, no regular expression, no parse), in
 *  the bytes when they are ASCII-compatible (no UTF-16 byte order mark), else in the decoded text. */
function countFieldTags(input: Uint8Array | string, stopAfter: number): number {
  const utf16 = typeof input !== 'string' && ((input[0] === 0xfe && input[1] === 0xff) || (input[0] === 0xff && input[1] === 0xfe));
  const hay = typeof input === 'string' ? input : utf16 ? decodeInput(input) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const at0 = (i: number) => (typeof hay === 'string' ? hay.charCodeAt(i) : (hay[i] ?? 0));
  let n = 0;
  for (let at = hay.indexOf('FIELD'); at >= 0 && n <= stopAfter; at = hay.indexOf('FIELD', at + 5)) {
    const before = at0(at - 1);
    const after = at0(at + 5);
    // '<FIELD' or ':FIELD' then whitespace, '/' or '>' (not FIELDref, not text)
    if ((before === 60 || before === 58) && (after === 32 || after === 9 || after === 10 || after === 13 || after === 47 || after === 62)) n++;
  }
  return n;
}

function parseXml(input: Uint8Array | string, limits: VotableLimits = {}): XNode {
  if (limits.maxFields !== undefined && countFieldTags(input, limits.maxFields) > limits.maxFields) {
    throw new VotableError('E12', `more than ${limits.maxFields} FIELDs; the column limit is ${limits.maxFields}`);
  }
  // XML 1.0 §2.11: CRLF and lone CR become LF before parsing.
  const text = decodeInput(input).replace(/\r\n?/g, '\n');
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw new VotableError('E01', `not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  }
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (err) {
    throw new VotableError('E01', `not well-formed XML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const { nodes } = toNodes(tree, false);
  const root = nodes.find((n) => n.tag === 'VOTABLE');
  if (!root) throw new VotableError('E02', `root element is ${nodes[0]?.tag ?? 'missing'}, not VOTABLE`);
  return root;
}

// ------------------------------------------------------------------------------------------- metadata

const DATATYPES = new Set<string>(['boolean', 'bit', 'unsignedByte', 'short', 'int', 'long', 'char', 'unicodeChar', 'float', 'double', 'floatComplex', 'doubleComplex']);

function opt<K extends string>(attrs: Record<string, string>, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = attrs[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function parseNullValue(datatype: VotableDatatype, s: string, field: string): number | bigint | string {
  const t = s.trim();
  switch (datatype) {
    case 'long':
      try {
        return BigInt(t);
      } catch (err) {
        throw new VotableError('E11', `VALUES null "${s}" is not a long`, { field, cause: err });
      }
    case 'int':
    case 'short':
    case 'unsignedByte': {
      const n = Number(t);
      if (!Number.isInteger(n)) throw new VotableError('E11', `VALUES null "${s}" is not an integer`, { field });
      return n;
    }
    case 'float':
    case 'double': {
      const n = Number(t);
      return n === n ? n : NaN;
    }
    default:
      return s;
  }
}

function readField(n: XNode, index: number): VotableField {
  const a = n.attrs;
  const name = a.name ?? a.ID ?? `col${index + 1}`; // VOTable 1.1 let name be absent
  const datatype = a.datatype;
  if (datatype === undefined || !DATATYPES.has(datatype)) {
    throw new VotableError('E03', datatype === undefined ? 'missing datatype' : `unknown datatype "${datatype}"`, { field: name });
  }
  const f: VotableField = {
    name,
    datatype: datatype as VotableDatatype,
    ...opt(a, ['ID', 'arraysize', 'unit', 'ucd', 'utype', 'xtype', 'ref', 'precision', 'width'] as const),
    description: '',
  };
  for (const c of n.children) {
    if (c.tag === 'DESCRIPTION') f.description = c.text.trim();
    else if (c.tag === 'VALUES') {
      const nv = c.attrs.null;
      if (nv !== undefined) f.nullValue = parseNullValue(f.datatype, nv, name);
      const values: NonNullable<VotableField['values']> = { options: [] };
      for (const v of c.children) {
        if (v.tag === 'MIN' && v.attrs.value !== undefined) values.min = v.attrs.value;
        else if (v.tag === 'MAX' && v.attrs.value !== undefined) values.max = v.attrs.value;
        else if (v.tag === 'OPTION' && v.attrs.value !== undefined) values.options.push({ value: v.attrs.value, ...opt(v.attrs, ['name'] as const) });
      }
      if (values.min !== undefined || values.max !== undefined || values.options.length > 0) f.values = values;
    }
  }
  return f;
}

function readParam(n: XNode, index: number): VotableParam {
  const f = readField(n, index);
  const rawValue = n.attrs.value ?? '';
  let value: unknown;
  try {
    value = buildTextParser(f)(rawValue, 0);
  } catch (err) {
    if (!(err instanceof VotableError)) throw err;
    value = rawValue; // a PARAM with an odd value is still metadata worth keeping
  }
  return { ...f, rawValue, value };
}

function readInfo(n: XNode): VotableInfoElement {
  return {
    name: n.attrs.name ?? '',
    value: n.attrs.value ?? '',
    content: n.text.trim(),
    ...opt(n.attrs, ['ID', 'ucd', 'utype', 'unit', 'xtype', 'ref'] as const),
  };
}

function readGroup(n: XNode): VotableGroup {
  const g: VotableGroup = { ...opt(n.attrs, ['name', 'ID', 'ref', 'ucd', 'utype'] as const), params: [], fieldRefs: [], paramRefs: [], groups: [] };
  for (const c of n.children) {
    if (c.tag === 'DESCRIPTION') g.description = c.text.trim();
    else if (c.tag === 'PARAM') g.params.push(readParam(c, g.params.length));
    else if (c.tag === 'FIELDref' && c.attrs.ref !== undefined) g.fieldRefs.push(c.attrs.ref);
    else if (c.tag === 'PARAMref' && c.attrs.ref !== undefined) g.paramRefs.push(c.attrs.ref);
    else if (c.tag === 'GROUP') g.groups.push(readGroup(c));
  }
  return g;
}

// ------------------------------------------------------------------------------------------------ data

function decodeField(f: VotableField): DecodeField {
  const d: DecodeField = { name: f.name, datatype: f.datatype };
  if (f.arraysize !== undefined) d.arraysize = f.arraysize;
  if (f.nullValue !== undefined) d.nullValue = f.nullValue;
  return d;
}

function rowLimitError(maxRows: number): VotableError {
  return new VotableError('E12', `more than ${maxRows} rows; the row limit is ${maxRows}`);
}

function readTabledata(raw: string, fields: VotableField[], maxRows = Infinity): Row[] {
  const parsers = fields.map((f) => buildTextParser(decodeField(f)));
  const rows: Row[] = [];
  const nf = fields.length;
  scanTabledata(raw, (cells) => {
    const r = rows.length + 1;
    if (r > maxRows) throw rowLimitError(maxRows);
    if (cells.length !== nf) throw new VotableError('E09', `${cells.length} TD elements for ${nf} FIELDs`, { row: r });
    const row: Row = new Array<unknown>(nf);
    for (let i = 0; i < nf; i++) row[i] = (parsers[i] as (t: string, r: number) => unknown)(cells[i] as string, r);
    rows.push(row);
  });
  return rows;
}

function readBinary(stream: XNode, fields: VotableField[], withMask: boolean, maxRows = Infinity): Row[] {
  const enc = (stream.attrs.encoding ?? 'none').trim();
  if (stream.attrs.href !== undefined) throw new VotableError('E05', `external STREAM href="${stream.attrs.href}" is not supported; inline the data`);
  if (enc !== 'base64') throw new VotableError('E05', `STREAM encoding "${enc}" is not supported (only base64)`);
  const bytes = decodeBase64(stream.text);
  const readers: BinaryReader[] = fields.map((f) => buildBinaryReader(decodeField(f), !withMask));
  const nf = fields.length;
  const maskBytes = withMask ? (nf + 7) >> 3 : 0;
  const cur: BinaryCursor = { u8: bytes, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), pos: 0 };
  const rows: Row[] = [];
  const end = bytes.length;
  let field = -1;
  try {
    while (cur.pos < end) {
      const maskAt = cur.pos;
      if (maskAt + maskBytes > end) throw new RangeError('null mask beyond end of stream');
      cur.pos += maskBytes;
      const row: Row = new Array<unknown>(nf);
      for (field = 0; field < nf; field++) {
        const v = (readers[field] as BinaryReader)(cur);
        if (cur.pos > end) throw new RangeError('value beyond end of stream');
        // BINARY2: a set bit (most significant first) marks a null; the bytes are still there.
        row[field] = withMask && ((bytes[maskAt + (field >> 3)] as number) & (0x80 >> (field & 7))) !== 0 ? null : v;
      }
      field = -1;
      rows.push(row);
      if (rows.length > maxRows) throw rowLimitError(maxRows);
    }
  } catch (err) {
    if (err instanceof RangeError) {
      const at = field >= 0 ? { row: rows.length + 1, field: fields[field]?.name ?? '', cause: err } : { row: rows.length + 1, cause: err };
      throw new VotableError('E07', `binary stream ends inside a row (${err.message})`, at);
    }
    throw err;
  }
  return rows;
}

function readTable(n: XNode, resource: VotableResourceInfo, limits: VotableLimits): VotableTable {
  const t: VotableTable = {
    ...opt(n.attrs, ['name', 'ID', 'ucd', 'utype'] as const),
    fields: [],
    params: [],
    groups: [],
    infos: [],
    serialization: null,
    rows: [],
    resource,
  };
  let data: XNode | undefined;
  for (const c of n.children) {
    if (c.tag === 'DESCRIPTION') t.description = c.text.trim();
    else if (c.tag === 'FIELD') t.fields.push(readField(c, t.fields.length));
    else if (c.tag === 'PARAM') t.params.push(readParam(c, t.params.length));
    else if (c.tag === 'GROUP') t.groups.push(readGroup(c));
    else if (c.tag === 'INFO') t.infos.push(readInfo(c));
    else if (c.tag === 'DATA') data = c;
  }
  if (data) {
    for (const c of data.children) {
      if (c.tag === 'TABLEDATA') {
        t.serialization = 'TABLEDATA';
        t.rows = readTabledata(c.text, t.fields, limits.maxRows);
      } else if (c.tag === 'BINARY' || c.tag === 'BINARY2') {
        t.serialization = c.tag;
        const stream = c.children.find((s) => s.tag === 'STREAM');
        t.rows = stream ? readBinary(stream, t.fields, c.tag === 'BINARY2', limits.maxRows) : [];
      } else if (c.tag === 'FITS') {
        throw new VotableError('E05', 'FITS-serialized DATA is not supported; send TABLEDATA, BINARY or BINARY2');
      } else if (c.tag === 'INFO') t.infos.push(readInfo(c));
    }
  }
  return t;
}

interface MetadataTarget {
  infos: VotableInfoElement[];
  params: VotableParam[];
  groups: VotableGroup[];
  coosys: VotableCoosysElement[];
  timesys: VotableTimesysElement[];
}

/** Reads a metadata child a RESOURCE and the VOTABLE element share (INFO, PARAM, GROUP, COOSYS, TIMESYS); returns
 *  false for any other element. */
function readMetadataChild(c: XNode, into: MetadataTarget): boolean {
  switch (c.tag) {
    case 'INFO':
      into.infos.push(readInfo(c));
      return true;
    case 'PARAM':
      into.params.push(readParam(c, into.params.length));
      return true;
    case 'GROUP':
      into.groups.push(readGroup(c));
      return true;
    case 'COOSYS':
      into.coosys.push(opt(c.attrs, ['ID', 'system', 'equinox', 'epoch', 'refposition'] as const));
      return true;
    case 'TIMESYS':
      into.timesys.push(opt(c.attrs, ['ID', 'timescale', 'timeorigin', 'refposition'] as const));
      return true;
    default:
      return false;
  }
}

function readResource(n: XNode, limits: VotableLimits): VotableResource {
  // Tables get the resource's metadata without its tables (no cycle); the arrays are shared and filled below.
  const info: VotableResourceInfo = {
    type: n.attrs.type ?? 'results',
    ...opt(n.attrs, ['name', 'ID', 'utype'] as const),
    infos: [],
    params: [],
    groups: [],
    coosys: [],
    timesys: [],
  };
  const r: VotableResource = { ...info, tables: [], resources: [] };
  for (const c of n.children) {
    if (readMetadataChild(c, r)) continue;
    switch (c.tag) {
      case 'DESCRIPTION':
        r.description = c.text.trim();
        info.description = r.description;
        break;
      case 'TABLE':
        r.tables.push(readTable(c, info, limits));
        break;
      case 'RESOURCE':
        r.resources.push(readResource(c, limits));
        break;
      default:
        break;
    }
  }
  return r;
}

/** Parses a whole VOTable document, keeping its RESOURCE structure; throws VotableError E12 beyond a limit. */
export function parseVotableDocument(input: Uint8Array | string, limits: VotableLimits = {}): VotableDocument {
  const root = parseXml(input, limits);
  const doc: VotableDocument = { ...opt(root.attrs, ['version'] as const), infos: [], params: [], groups: [], coosys: [], timesys: [], resources: [] };
  for (const c of root.children) {
    if (readMetadataChild(c, doc)) continue;
    switch (c.tag) {
      case 'DESCRIPTION':
        doc.description = c.text.trim();
        break;
      case 'DEFINITIONS': // deprecated since 1.1, still written by old services
        for (const d of c.children) if (d.tag === 'COOSYS' || d.tag === 'PARAM') readMetadataChild(d, doc);
        break;
      case 'RESOURCE':
        doc.resources.push(readResource(c, limits));
        break;
      default:
        break;
    }
  }
  return doc;
}

/** Every TABLE of a VOTable document, depth-first in document order, each with its FIELDs, PARAMs, INFOs,
 *  rows and the metadata of its RESOURCE. */
export function parseVotable(input: Uint8Array | string, limits: VotableLimits = {}): VotableTable[] {
  const out: VotableTable[] = [];
  const walk = (r: VotableResource): void => {
    for (const t of r.tables) out.push(t);
    for (const s of r.resources) walk(s);
  };
  for (const r of parseVotableDocument(input, limits).resources) walk(r);
  return out;
}

/** The QUERY_STATUS of a result (DALI §4.4): the last QUERY_STATUS INFO of the results RESOURCE or its
 *  table, or undefined when there is none. */
export function queryStatus(doc: VotableDocument): { status: string; message: string } | undefined {
  const res = doc.resources.find((r) => r.type === 'results') ?? doc.resources[0];
  if (!res) return undefined;
  const infos = [...res.infos, ...res.tables.flatMap((t) => t.infos), ...doc.infos].filter((i) => i.name === 'QUERY_STATUS');
  // A trailing INFO (after the TABLE) overrides the leading OK.
  const last = infos.reduce<VotableInfoElement | undefined>((acc, i) => (acc === undefined || i.value !== 'OK' ? i : acc), undefined);
  return last ? { status: last.value, message: last.content } : undefined;
}
