/** The parts of a result VOTable around the data: the document description a caller passes (INFOs, COOSYS,
 *  TIMESYS, PARAMs, FIELD IDs, DataLink service descriptors) and the hand-written head and tail the
 *  streaming encoder wraps the rows in. Spec: VOTable 1.4 §3–4 (COOSYS, TIMESYS, FIELD, PARAM, GROUP),
 *  DALI 1.1 §4.4 (QUERY_STATUS), DataLink 1.1 §4 (service descriptors). Pure. */
import type { ColumnMeta, VotableDatatype } from '../schema/types.js';
import type { EncoderColumn } from './column-codecs.js';
import { escapeXmlAttr, escapeXmlText } from './xml.js';

/** An INFO element. `value` is the attribute; `content` the optional element text. */
export interface VotableInfo {
  name: string;
  value: string;
  content?: string;
  ID?: string;
  ucd?: string;
  utype?: string;
  unit?: string;
  xtype?: string;
}

/** A coordinate system (VOTable §3.4). Position FIELDs refer to it with `ref`. */
export interface VotableCoosys {
  /** XML ID; default 'sys_icrs'. */
  ID?: string;
  /** Default 'ICRS'. */
  system?: string;
  epoch?: string;
  equinox?: string;
  refposition?: string;
  /** Names of the FIELDs that refer to it; default: every FIELD whose UCD starts with `pos.eq` and every
   *  FIELD with xtype point, circle or polygon. */
  fields?: ReadonlyArray<string>;
}

/** A time system (VOTable 1.4 §3.5). The FIELDs named in `fields` refer to it with `ref`. */
export interface VotableTimesys {
  /** XML ID; default 'sys_time'. */
  ID?: string;
  timescale: string;
  /** Julian date of time 0 for numeric times; omitted for calendar (ISO) times. */
  timeorigin?: string;
  refposition: string;
  fields: ReadonlyArray<string>;
}

/** Chandra mission elapsed time: seconds since 1998-01-01T00:00:00 TT, observed at the spacecraft. */
export const CHANDRA_MET_TIMESYS: Omit<VotableTimesys, 'fields'> = {
  ID: 'sys_met',
  timescale: 'TT',
  timeorigin: '2450814.5',
  refposition: 'TOPOCENTER',
};

/** A reference from a PARAM to a result FIELD, by the FIELD's name (its ID is found or made) or by ID. */
export type FieldRef = { field: string } | { id: string };

/** A PARAM element (VOTable §4.2); `value` is the attribute text (empty for DataLink input parameters). */
export interface VotableParamSpec {
  name: string;
  datatype: VotableDatatype;
  arraysize?: string;
  value: string;
  ID?: string;
  unit?: string;
  ucd?: string;
  utype?: string;
  xtype?: string;
  ref?: FieldRef;
  description?: string;
  values?: { min?: string; max?: string; options?: ReadonlyArray<{ value: string; name?: string }> };
}

/** A DataLink service descriptor (DataLink 1.1 §4): rendered as
 *  `<RESOURCE type="meta" utype="adhoc:service">` with PARAMs accessURL/standardID/… and a GROUP
 *  `inputParams` whose PARAMs may `ref` a result FIELD (the client fills the value from that column). */
export interface ServiceDescriptor {
  ID?: string;
  name?: string;
  description?: string;
  accessURL: string;
  /** e.g. 'ivo://ivoa.net/std/DataLink#links-1.1'. */
  standardID?: string;
  resourceIdentifier?: string;
  contentType?: string;
  /** Further PARAMs of the RESOURCE (after accessURL, standardID, resourceIdentifier, contentType). */
  params?: ReadonlyArray<VotableParamSpec>;
  inputParams: ReadonlyArray<VotableParamSpec>;
}

/** Everything around the rows of a result document. The encoder writes `QUERY_STATUS` itself (OK first,
 *  then OVERFLOW or ERROR after the TABLE when needed), so `infos` must not contain it. */
export interface VotableDocInfo {
  /** VOTABLE-level DESCRIPTION. */
  description?: string;
  /** INFOs of the results RESOURCE, written after the leading QUERY_STATUS, before the TABLE: QUERY (the
   *  ADQL), standardID, citation, service/version, request info… */
  infos?: ReadonlyArray<VotableInfo>;
  /** PARAMs of the results RESOURCE. */
  params?: ReadonlyArray<VotableParamSpec>;
  /** ICRS by default when a positional FIELD exists; `false` for none. */
  coosys?: VotableCoosys | false;
  timesys?: VotableTimesys;
  /** FIELD IDs by position; missing entries get an ID made from the name (an NCName, unique). */
  fieldIds?: ReadonlyArray<string | undefined>;
  resourceName?: string;
  tableName?: string;
  tableDescription?: string;
  /** Extra RESOURCE elements after the results resource. */
  serviceDescriptors?: ReadonlyArray<ServiceDescriptor>;
}

/** True for FIELDs that refer to the default COOSYS: UCD `pos.eq*`, or a DALI geometry xtype. */
export function isPositionField(f: ColumnMeta): boolean {
  return (f.ucd !== undefined && /^pos\.eq(\.|;|$)/.test(f.ucd)) || f.xtype === 'point' || f.xtype === 'circle' || f.xtype === 'polygon';
}

const VOTABLE_NS = 'http://www.ivoa.net/xml/VOTable/v1.3'; // 1.4 and 1.5 keep the 1.3 namespace

/** Makes XML IDs (NCNames) unique within one document. */
class IdAllocator {
  private readonly used = new Set<string>();
  take(wanted: string): string {
    let base = wanted.replace(/[^A-Za-z0-9_.-]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}_${i}`;
    this.used.add(id);
    return id;
  }
}

function attr(name: string, value: string | undefined): string {
  return value === undefined ? '' : ` ${name}="${escapeXmlAttr(value)}"`;
}

function renderInfo(i: VotableInfo): string {
  const attrs = `${attr('ID', i.ID)}${attr('name', i.name)}${attr('value', i.value)}${attr('ucd', i.ucd)}${attr('utype', i.utype)}${attr('unit', i.unit)}${attr('xtype', i.xtype)}`;
  return i.content === undefined || i.content === '' ? `<INFO${attrs}/>` : `<INFO${attrs}>${escapeXmlText(i.content)}</INFO>`;
}

/** The parts of a FIELD that depend on its metadata alone: the attributes after ID and name up to ref, the
 *  DESCRIPTION line, and whether it refers to the default COOSYS. */
interface FieldParts {
  attrs: string;
  description: string;
  position: boolean;
  /** The last FIELD text made for this (frozen) metadata, with what it depends on besides it (fieldText). */
  last?: { id: string; ref: string | undefined; nv: number | bigint | undefined; text: string };
}

/** Kept for frozen metadata only: the catalogue's columns, shared by every query that names them, so a result's
 *  FIELDs are not escaped and assembled again per request (48 FIELDs are most of a cone's header). */
const FIELD_PARTS = new WeakMap<ColumnMeta, FieldParts>();

function fieldParts(f: EncoderColumn): FieldParts {
  const frozen = Object.isFrozen(f);
  let parts = frozen ? FIELD_PARTS.get(f) : undefined;
  if (!parts) {
    parts = {
      attrs: `${attr('datatype', f.datatype)}${attr('arraysize', f.arraysize)}${attr('xtype', f.xtype)}${attr('unit', f.unit)}${attr('ucd', f.ucd)}${attr('utype', f.utype)}`,
      description: f.description ? `  <DESCRIPTION>${escapeXmlText(f.description)}</DESCRIPTION>\n` : '',
      position: isPositionField(f),
    };
    if (frozen) FIELD_PARTS.set(f, parts);
  }
  return parts;
}

/** A FIELD element, from `<FIELD` to `</FIELD>` and its newline. For frozen metadata the last text made is kept
 *  with the ID, ref and null value it was made for: a query that names a column again under the same ID gets the
 *  same string instead of building it anew (a cone's 48 FIELDs were 5 % of the bytes its request allocated). */
function fieldText(f: EncoderColumn, id: string, ref: string | undefined, nv: number | bigint | undefined): string {
  const parts = fieldParts(f);
  const last = parts.last;
  if (last !== undefined && last.id === id && last.ref === ref && last.nv === nv) return last.text;
  let text = `<FIELD${attr('ID', id)}${attr('name', f.name)}${parts.attrs}${attr('ref', ref)}>\n${parts.description}`;
  if (nv !== undefined) text += `  <VALUES null="${String(nv)}"/>\n`;
  text += `</FIELD>\n`;
  if (Object.isFrozen(f)) parts.last = { id, ref, nv, text };
  return text;
}

/** The head and tail of a result document, with FIELD IDs resolved. */
export interface DocumentFrame {
  /** From the XML declaration to the opening of DATA (exclusive). */
  head: string;
  /** From `</TABLE>` (exclusive of the DATA closing) to the end, for a status. */
  tail: (status: 'OK' | 'OVERFLOW' | 'ERROR', message?: string) => string;
}

export function buildDocumentFrame(
  doc: VotableDocInfo,
  fields: ReadonlyArray<EncoderColumn>,
  nullValues: ReadonlyArray<number | bigint | undefined>,
  version: '1.4' | '1.5',
): DocumentFrame {
  const ids = new IdAllocator();
  const coosys = doc.coosys === false ? undefined : (doc.coosys ?? {});
  const coosysFields = coosys ? new Set(coosys.fields ?? fields.filter((f) => fieldParts(f).position).map((f) => f.name)) : new Set<string>();
  const useCoosys = coosys !== undefined && (coosys.fields !== undefined || coosysFields.size > 0);
  const coosysId = useCoosys && coosys ? ids.take(coosys.ID ?? 'sys_icrs') : undefined;
  const timesys = doc.timesys;
  const timeFields = new Set(timesys?.fields ?? []);
  const timesysId = timesys ? ids.take(timesys.ID ?? 'sys_time') : undefined;

  const fieldIds = fields.map((f, i) => ids.take(doc.fieldIds?.[i] ?? f.name));
  const byName = new Map<string, string>();
  fields.forEach((f, i) => {
    if (!byName.has(f.name)) byName.set(f.name, fieldIds[i] as string);
  });
  const resolveRef = (r: FieldRef | undefined): string | undefined => {
    if (r === undefined) return undefined;
    if ('id' in r) return r.id;
    const id = byName.get(r.field);
    if (id === undefined) throw new Error(`service descriptor refers to unknown FIELD "${r.field}"`);
    return id;
  };

  const renderParam = (p: VotableParamSpec, indent: string): string => {
    const id = p.ID !== undefined ? ids.take(p.ID) : undefined;
    const a =
      `${attr('ID', id)}${attr('name', p.name)}${attr('datatype', p.datatype)}${attr('arraysize', p.arraysize)}` +
      `${attr('xtype', p.xtype)}${attr('unit', p.unit)}${attr('ucd', p.ucd)}${attr('utype', p.utype)}${attr('ref', resolveRef(p.ref))}${attr('value', p.value)}`;
    let body = '';
    if (p.description !== undefined) body += `${indent}  <DESCRIPTION>${escapeXmlText(p.description)}</DESCRIPTION>\n`;
    if (p.values) {
      const v = p.values;
      body += `${indent}  <VALUES>`;
      if (v.min !== undefined) body += `<MIN${attr('value', v.min)}/>`;
      if (v.max !== undefined) body += `<MAX${attr('value', v.max)}/>`;
      for (const o of v.options ?? []) body += `<OPTION${attr('name', o.name)}${attr('value', o.value)}/>`;
      body += `</VALUES>\n`;
    }
    return body === '' ? `${indent}<PARAM${a}/>\n` : `${indent}<PARAM${a}>\n${body}${indent}</PARAM>\n`;
  };

  let head = `<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="${version}" xmlns="${VOTABLE_NS}">\n`;
  if (doc.description !== undefined) head += `<DESCRIPTION>${escapeXmlText(doc.description)}</DESCRIPTION>\n`;
  head += `<RESOURCE type="results"${attr('name', doc.resourceName)}>\n`;
  // DALI §4.4: the QUERY_STATUS INFO comes before the TABLE; a trailing one may follow it.
  head += `<INFO name="QUERY_STATUS" value="OK"/>\n`;
  for (const i of doc.infos ?? []) if (i.name !== 'QUERY_STATUS') head += `${renderInfo(i)}\n`;
  if (useCoosys && coosys) {
    head += `<COOSYS${attr('ID', coosysId)}${attr('system', coosys.system ?? 'ICRS')}${attr('epoch', coosys.epoch)}${attr('equinox', coosys.equinox)}${attr('refposition', coosys.refposition)}/>\n`;
  }
  if (timesys) {
    head += `<TIMESYS${attr('ID', timesysId)}${attr('timeorigin', timesys.timeorigin)}${attr('timescale', timesys.timescale)}${attr('refposition', timesys.refposition)}/>\n`;
  }
  for (const p of doc.params ?? []) head += renderParam(p, '');
  head += `<TABLE${attr('name', doc.tableName)}>\n`;
  if (doc.tableDescription !== undefined) head += `<DESCRIPTION>${escapeXmlText(doc.tableDescription)}</DESCRIPTION>\n`;
  fields.forEach((f, i) => {
    const ref = timeFields.has(f.name) ? timesysId : coosysFields.has(f.name) ? coosysId : undefined;
    head += fieldText(f, fieldIds[i] as string, ref, nullValues[i]);
  });

  // Resolve descriptors now, so a bad ref fails before the first byte rather than in the tail.
  let extra = '';
  for (const sd of doc.serviceDescriptors ?? []) {
    const id = sd.ID !== undefined ? ids.take(sd.ID) : undefined;
    extra += `<RESOURCE type="meta" utype="adhoc:service"${attr('ID', id)}${attr('name', sd.name)}>\n`;
    if (sd.description !== undefined) extra += `<DESCRIPTION>${escapeXmlText(sd.description)}</DESCRIPTION>\n`;
    const fixed: VotableParamSpec[] = [{ name: 'accessURL', datatype: 'char', arraysize: '*', value: sd.accessURL }];
    if (sd.standardID !== undefined) fixed.push({ name: 'standardID', datatype: 'char', arraysize: '*', value: sd.standardID });
    if (sd.resourceIdentifier !== undefined) fixed.push({ name: 'resourceIdentifier', datatype: 'char', arraysize: '*', value: sd.resourceIdentifier });
    if (sd.contentType !== undefined) fixed.push({ name: 'contentType', datatype: 'char', arraysize: '*', value: sd.contentType });
    for (const p of [...fixed, ...(sd.params ?? [])]) extra += renderParam(p, '');
    extra += `<GROUP name="inputParams">\n`;
    for (const p of sd.inputParams) extra += renderParam(p, '  ');
    extra += `</GROUP>\n</RESOURCE>\n`;
  }

  const tail = (status: 'OK' | 'OVERFLOW' | 'ERROR', message?: string): string => {
    let t = '</TABLE>\n';
    if (status === 'OVERFLOW') t += `<INFO name="QUERY_STATUS" value="OVERFLOW"/>\n`;
    else if (status === 'ERROR') t += `${renderInfo({ name: 'QUERY_STATUS', value: 'ERROR', content: message ?? 'error' })}\n`;
    return `${t}</RESOURCE>\n${extra}</VOTABLE>\n`;
  };
  return { head, tail };
}
