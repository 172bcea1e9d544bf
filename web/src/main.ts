/** The xtap web page: wires the editor, examples, table browser, sync/async runs, results grid, downloads, SAMP,
 *  plots and DataLink panel together. The server renders the static skeleton (server/pages/app-page.ts). */
import { TAP, fetchAsyncResult, fetchExamples, fetchFunctionForms, localUrl, runSync, submitAsync, watchJob } from './api.js';
import { showDataLink } from './datalink.js';
import { createEditor } from './editor.js';
import { renderGrid } from './grid.js';
import { functionNames } from './lib/adql.js';
import { classColumns, isNumeric } from './lib/columns.js';
import { DOWNLOAD_FORMATS, syncUrl } from './lib/query-url.js';
import { classPlot, histogramPlot, skyPlot } from './plots.js';
import { sendToSamp } from './samp.js';
import { loadTableBrowser } from './tables.js';
import { parseVoTable } from './votable.js';
import type { VoTable } from './votable.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

const DEFAULT_QUERY = `SELECT TOP 100 name, ra, dec, significance, flux_aper90_b
FROM csc2.master_source
ORDER BY significance DESC`;

const statusEl = $('status');
const errorEl = $('error');
const nonce = document.querySelector<HTMLMetaElement>('meta[name="xtap-style-nonce"]')?.content;

function setStatus(text: string): void {
  statusEl.textContent = text;
}

function showError(message: string): void {
  errorEl.hidden = false;
  errorEl.textContent = message;
  if (!editor.showError(message)) editor.clearError();
}

function clearError(): void {
  errorEl.hidden = true;
  errorEl.textContent = '';
  editor.clearError();
}

function selectTab(name: string): void {
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('.tabs button'))) {
    const on = b.dataset['tab'] === name;
    b.setAttribute('aria-selected', String(on));
    $(`panel-${b.dataset['tab'] ?? ''}`).hidden = !on;
  }
}

let current: { table: VoTable; query: string | undefined; maxrec: number | undefined } | undefined;

function renderDownloads(query: string | undefined, maxrec: number | undefined, sourceUrl?: string): void {
  const box = $('downloads');
  box.replaceChildren();
  if (query === undefined) {
    if (sourceUrl) {
      const a = document.createElement('a');
      a.href = localUrl(sourceUrl);
      a.textContent = 'Download this table';
      box.append(a);
    }
    return;
  }
  box.append('Download: ');
  for (const f of DOWNLOAD_FORMATS) {
    const a = document.createElement('a');
    a.href = syncUrl(TAP, query, f.format, maxrec);
    a.download = `xtap-result.${f.ext}`;
    a.textContent = f.label;
    box.append(a);
  }
}

function renderPlots(t: VoTable): void {
  const area = $('plot-area');
  area.replaceChildren();
  const sky = skyPlot(t);
  if (sky) area.append(sky);
  const histSel = $<HTMLSelectElement>('hist-col');
  histSel.replaceChildren();
  t.fields.forEach((f, i) => {
    if (!isNumeric(f)) return;
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = f.unit ? `${f.name} (${f.unit})` : f.name;
    histSel.append(o);
  });
  const histBox = document.createElement('div');
  const drawHist = (): void => {
    histBox.replaceChildren();
    const h = histSel.value === '' ? undefined : histogramPlot(t, Number(histSel.value));
    if (h) histBox.append(h);
  };
  histSel.onchange = drawHist;
  const pos = t.fields.findIndex((f) => /^(pos\.eq\.)/.test(f.ucd ?? ''));
  const preferred = t.fields.findIndex((f, i) => isNumeric(f) && i !== pos && !/^pos\./.test(f.ucd ?? ''));
  if (preferred >= 0) histSel.value = String(preferred);
  drawHist();
  area.append(histBox);
  const classBox = document.createElement('div');
  const rowSel = $<HTMLSelectElement>('class-row');
  rowSel.replaceChildren();
  $('class-row-label').hidden = classColumns(t.fields).length === 0;
  if (classColumns(t.fields).length > 0) {
    const nameCol = t.fields.findIndex((f) => f.name === 'name');
    t.rows.slice(0, 1000).forEach((r, i) => {
      const o = document.createElement('option');
      o.value = String(i);
      o.textContent = nameCol >= 0 ? r[nameCol] ?? `row ${i + 1}` : `row ${i + 1}`;
      rowSel.append(o);
    });
    const drawClass = (): void => {
      classBox.replaceChildren();
      const c = classPlot(t, Number(rowSel.value || 0));
      if (c) classBox.append(c);
    };
    rowSel.onchange = drawClass;
    drawClass();
  }
  area.append(classBox);
}

function showResult(t: VoTable, query: string | undefined, maxrec: number | undefined, label: string, sourceUrl?: string): void {
  if (t.status === 'ERROR') {
    showError(t.message ?? 'the service answered with an error');
    setStatus('Failed');
    return;
  }
  current = { table: t, query, maxrec };
  const overflow = t.status === 'OVERFLOW' ? ` — truncated at MAXREC=${maxrec ?? 'default'}; raise MAXREC or run async for more` : '';
  setStatus(`${label}: ${t.rows.length} rows${overflow}`);
  if (t.unreadable) showError(`This table is in ${t.unreadable} serialization, which the page does not read: download it instead.`);
  renderGrid($('grid'), t, openDataLink);
  renderDownloads(query, maxrec, sourceUrl);
  renderPlots(t);
  $('samp-send').hidden = false;
  selectTab('results');
}

function maxrec(): number | undefined {
  const v = $<HTMLInputElement>('maxrec').value.trim();
  return v === '' ? undefined : Number(v);
}

async function runQuery(): Promise<void> {
  clearError();
  const q = editor.text();
  const m = maxrec();
  setStatus('Running (sync)…');
  const started = performance.now();
  try {
    const t = await runSync(q, m);
    showResult(t, q, m, `sync, ${((performance.now() - started) / 1000).toFixed(2)} s`);
  } catch (e) {
    showError((e as Error).message);
    setStatus('Failed');
  }
}

async function runAsync(): Promise<void> {
  clearError();
  const q = editor.text();
  const m = maxrec();
  setStatus('Submitting async job…');
  try {
    const job = await submitAsync(q, m);
    const jobLink = $<HTMLAnchorElement>('job-link');
    jobLink.href = job.url;
    jobLink.textContent = 'job';
    jobLink.hidden = false;
    const done = await watchJob(job, (phase) => setStatus(`Async job: ${phase}`));
    if (done.phase === 'COMPLETED') showResult(await fetchAsyncResult(done), q, m, 'async job COMPLETED');
    else {
      showError(done.error ?? `job ended in phase ${done.phase}`);
      setStatus(`Async job: ${done.phase}`);
    }
  } catch (e) {
    showError((e as Error).message);
    setStatus('Failed');
  }
}

async function openInGrid(url: string, title: string): Promise<void> {
  clearError();
  setStatus(`Loading ${title}…`);
  const local = localUrl(url);
  const res = await fetch(`${local}${local.includes('?') ? '&' : '?'}RESPONSEFORMAT=votable%2Ftd`);
  showResult(parseVoTable(await res.text()), undefined, undefined, title, url);
}

function openDataLink(id: string, accessUrl: string): void {
  $<HTMLInputElement>('dl-id').value = id;
  $('panel-datalink').dataset['access'] = accessUrl;
  selectTab('datalink');
  void showDataLink($('dl-area'), id, accessUrl, {
    openInGrid: (u, t) => void openInGrid(u, t),
    sendToSamp: (u, n, k) => void samp(u, n, k),
  });
}

async function samp(url: string, name: string, kind: 'table' | 'image'): Promise<void> {
  try {
    await sendToSamp(url, name, kind);
    setStatus(`Sent to SAMP: ${name}`);
  } catch (e) {
    showError((e as Error).message);
  }
}

const editor = createEditor($('editor'), DEFAULT_QUERY, () => void runQuery(), nonce);

$('run').addEventListener('click', () => void runQuery());
$('run-async').addEventListener('click', () => void runAsync());
for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('.tabs button'))) {
  b.addEventListener('click', () => selectTab(b.dataset['tab'] ?? 'results'));
}
$('samp-send').addEventListener('click', () => {
  if (current?.query !== undefined) void samp(syncUrl(TAP, current.query, 'votable', current.maxrec), 'xtap result', 'table');
});
$('dl-go').addEventListener('click', () => {
  const id = $<HTMLInputElement>('dl-id').value.trim();
  if (id) openDataLink(id, $('panel-datalink').dataset['access'] ?? `${TAP}/links`);
});

void fetchExamples()
  .then((examples) => {
    const box = $('examples');
    box.replaceChildren();
    for (const ex of examples) {
      const b = document.createElement('button');
      b.textContent = ex.name;
      b.title = ex.query;
      b.dataset['example'] = ex.id;
      b.addEventListener('click', () => {
        editor.setText(ex.query);
        clearError();
      });
      box.append(b);
    }
  })
  .catch(() => undefined);

void Promise.all([fetchFunctionForms().catch(() => []), loadTableBrowser($('table-list'), (t) => editor.setText(`SELECT TOP 100 *\nFROM ${t}`))])
  .then(([forms, schema]) => editor.configure(functionNames(forms), schema))
  .catch((e: unknown) => {
    $('table-list').textContent = `Could not read TAP_SCHEMA: ${(e as Error).message}`;
  });

document.documentElement.dataset['ready'] = 'true';
