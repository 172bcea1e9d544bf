/** The page's calls to the TAP service, all relative to the page (so it works behind a proxy prefix and under the
 *  page's CSP connect-src 'self'): sync queries, async jobs (create, run, poll the phase, fetch the result), the
 *  examples document and the capabilities' function list. */
import { parseVoTable } from './votable.js';
import type { VoTable } from './votable.js';

export const TAP = new URL('tap', document.baseURI).href.replace(/\/$/, '');

export async function runSync(query: string, maxrec: number | undefined, signal?: AbortSignal): Promise<VoTable> {
  const body = new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', RESPONSEFORMAT: 'votable/td', QUERY: query });
  if (maxrec !== undefined) body.set('MAXREC', String(maxrec));
  const res = await fetch(`${TAP}/sync`, { method: 'POST', body, ...(signal ? { signal } : {}) });
  return parseVoTable(await res.text());
}

export interface AsyncJob {
  url: string;
  phase: string;
  error?: string;
}

function readJob(url: string, text: string): AsyncJob {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const one = (name: string): string | undefined => doc.getElementsByTagNameNS('*', name)[0]?.textContent?.trim() ?? undefined;
  const msg = one('message');
  return { url, phase: one('phase') ?? 'UNKNOWN', ...(msg ? { error: msg } : {}) };
}

/** Creates and starts an async job (PHASE=RUN); the browser follows the 303 to the job document. */
export async function submitAsync(query: string, maxrec: number | undefined): Promise<AsyncJob> {
  const body = new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', RESPONSEFORMAT: 'votable/td', QUERY: query, PHASE: 'RUN' });
  if (maxrec !== undefined) body.set('MAXREC', String(maxrec));
  const res = await fetch(`${TAP}/async`, { method: 'POST', body });
  const text = await res.text();
  if (!res.ok) throw new Error(parseVoTable(text).message ?? `HTTP ${res.status}`);
  return readJob(res.url, text);
}

/** Polls the job's phase with UWS blocking (WAIT) until it leaves QUEUED/EXECUTING, reporting each phase. */
export async function watchJob(job: AsyncJob, onPhase: (phase: string) => void): Promise<AsyncJob> {
  let current = job;
  onPhase(current.phase);
  while (current.phase === 'PENDING' || current.phase === 'QUEUED' || current.phase === 'EXECUTING') {
    const res = await fetch(`${job.url}?WAIT=5&PHASE=${encodeURIComponent(current.phase)}`);
    current = readJob(job.url, await res.text());
    onPhase(current.phase);
  }
  return current;
}

export async function fetchAsyncResult(job: AsyncJob): Promise<VoTable> {
  const res = await fetch(`${job.url}/results/result`);
  return parseVoTable(await res.text());
}

export interface Example {
  id: string;
  name: string;
  query: string;
}

/** The DALI examples document (/tap/examples, XHTML+RDFa): every element typeof="example" with its name and query. */
export async function fetchExamples(): Promise<Example[]> {
  const res = await fetch(`${TAP}/examples`);
  // the document's own <style> is dropped first: Chromium reports parsing it as a CSP violation of this page
  const text = (await res.text()).replace(/<style>[\s\S]*?<\/style>/g, '');
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  return Array.from(doc.querySelectorAll('[typeof="example"]')).map((e) => ({
    id: e.getAttribute('id') ?? '',
    name: e.querySelector('[property="name"]')?.textContent?.trim() ?? '',
    query: e.querySelector('[property="query"]')?.textContent?.trim() ?? '',
  }));
}

/** The <form> texts of the capabilities' language features (the service's ADQL functions). */
export async function fetchFunctionForms(): Promise<string[]> {
  const res = await fetch(`${TAP}/capabilities`);
  const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
  return Array.from(doc.getElementsByTagNameNS('*', 'form')).map((f) => f.textContent ?? '');
}

/** A service URL (absolute, built on the configured base URL) as a URL on the page's own origin, so the CSP's
 *  connect-src/img-src 'self' allow it when the page was reached under another host name. */
export function localUrl(url: string): string {
  const base = document.documentElement.dataset['baseUrl'] ?? '';
  const pageBase = new URL('.', document.baseURI).href.replace(/\/$/, '');
  if (base && url.startsWith(`${base}/`)) return pageBase + url.slice(base.length);
  return url;
}
