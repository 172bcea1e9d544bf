/** The UWS XML documents (job, job list, parameters, results), built with xmlbuilder2. Pure: data and URLs in,
 *  text out. Spec: UWS 1.1 §2.2.2 and App. B (UWS.xsd, namespace http://www.ivoa.net/xml/UWS/v1.0); element
 *  order follows the schema's sequences, empty nillable elements carry xsi:nil="true". */
import { create } from 'xmlbuilder2';
import type { Job, JobParameter, JobRef, JobResult } from './types.js';

export const UWS_NS = 'http://www.ivoa.net/xml/UWS/v1.0';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

type XMLBuilder = ReturnType<typeof create>;

/** URLs of a job and its children, given by the HTTP edge. */
export interface JobUrls {
  job(jobId: string): string;
  result(jobId: string, resultId: string): string;
}

/** ISO-8601 UTC with a trailing Z, as every UWS time (UWS 1.1 §2.2.1). */
export function isoTime(d: Date): string {
  return d.toISOString();
}

// XML 1.0 cannot carry most C0 controls, even escaped; a parameter value holding one loses it.
// eslint-disable-next-line no-control-regex
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const xmlText = (s: string): string => s.replace(XML_ILLEGAL, '');

function root(name: string): XMLBuilder {
  return create({ version: '1.0', encoding: 'UTF-8' })
    .ele(UWS_NS, `uws:${name}`, { version: '1.1' })
    .att(XMLNS_NS, 'xmlns:xlink', XLINK_NS)
    .att(XMLNS_NS, 'xmlns:xsi', XSI_NS);
}

function el(parent: XMLBuilder, name: string, text: string | undefined): void {
  const e = parent.ele(UWS_NS, `uws:${name}`);
  if (text === undefined) e.att(XSI_NS, 'xsi:nil', 'true');
  else e.txt(xmlText(text));
}

function addParameters(parent: XMLBuilder, params: ReadonlyArray<JobParameter>): void {
  const ps = parent.ele(UWS_NS, 'uws:parameters');
  for (const p of params) ps.ele(UWS_NS, 'uws:parameter', { id: p.name }).txt(xmlText(p.value));
}

function addResults(parent: XMLBuilder, jobId: string, results: ReadonlyArray<JobResult>, urls: JobUrls, isRoot = false): void {
  const rs = parent.ele(UWS_NS, 'uws:results');
  if (isRoot) rs.att(XMLNS_NS, 'xmlns:xlink', XLINK_NS);
  for (const r of results) {
    rs.ele(UWS_NS, 'uws:result', { id: r.id })
      .att(XLINK_NS, 'xlink:type', 'simple')
      .att(XLINK_NS, 'xlink:href', urls.result(jobId, r.id))
      .att('size', String(r.size))
      .att('mime-type', r.contentType);
  }
}

const opt = (d: Date | undefined): string | undefined => (d === undefined ? undefined : isoTime(d));
/** Anonymous owners (none, or the hash of an owner token, 'anon:…') are not identities: xsi:nil. */
const owner = (id: string): string | undefined => (id === '' || id.startsWith('anon:') ? undefined : id);

/** `<uws:job>` (UWS 1.1 §2.2.2.2). */
export function jobXml(job: Job, urls: JobUrls): string {
  const doc = root('job');
  el(doc, 'jobId', job.jobId);
  if (job.runId !== undefined) el(doc, 'runId', job.runId);
  el(doc, 'ownerId', owner(job.ownerId));
  el(doc, 'phase', job.phase);
  el(doc, 'quote', opt(job.quote));
  el(doc, 'creationTime', isoTime(job.creationTime));
  el(doc, 'startTime', opt(job.startTime));
  el(doc, 'endTime', opt(job.endTime));
  el(doc, 'executionDuration', String(job.executionDuration));
  el(doc, 'destruction', opt(job.destruction));
  addParameters(doc, job.parameters);
  addResults(doc, job.jobId, job.results, urls);
  if (job.error) {
    doc
      .ele(UWS_NS, 'uws:errorSummary', { type: job.error.type, hasDetail: 'true' })
      .ele(UWS_NS, 'uws:message')
      .txt(xmlText(job.error.message));
  }
  return doc.end({ prettyPrint: true });
}

/** `<uws:jobs>` of jobrefs (UWS 1.1 §2.2.2.1). */
export function jobListXml(jobs: ReadonlyArray<JobRef>, urls: JobUrls): string {
  const doc = root('jobs');
  for (const j of jobs) {
    const ref = doc
      .ele(UWS_NS, 'uws:jobref', { id: j.jobId })
      .att(XLINK_NS, 'xlink:type', 'simple')
      .att(XLINK_NS, 'xlink:href', urls.job(j.jobId));
    el(ref, 'phase', j.phase);
    if (j.runId !== undefined) el(ref, 'runId', j.runId);
    el(ref, 'ownerId', owner(j.ownerId));
    el(ref, 'creationTime', isoTime(j.creationTime));
  }
  return doc.end({ prettyPrint: true });
}

/** `<uws:parameters>` (the /parameters child). */
export function parametersXml(job: Job): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  addParameters(doc, job.parameters);
  return doc.end({ prettyPrint: true });
}

/** `<uws:results>` (the /results child). */
export function resultsXml(job: Job, urls: JobUrls): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  addResults(doc, job.jobId, job.results, urls, true);
  return doc.end({ prettyPrint: true });
}
