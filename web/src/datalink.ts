/** The DataLink panel for one ID: the links document as a table (description, semantics, content type, open /
 *  send-to-SAMP), with the products drawn in place: PNG maps (E–t, dEdT) as images, light curves and spectra
 *  as uPlot plots, class probabilities as bars with error bars. VOTable links can also be opened in the grid. */
import { localUrl } from './api.js';
import { classColumns } from './lib/columns.js';
import { classPlot, productPlot } from './plots.js';
import { parseVoTable } from './votable.js';
import type { VoTable } from './votable.js';

export interface DataLinkActions {
  openInGrid(url: string, title: string): void;
  sendToSamp(url: string, name: string, kind: 'table' | 'image'): void;
}

interface Link {
  url: string;
  description: string;
  semantics: string;
  local: string;
  contentType: string;
  error: string;
}

function linksOf(t: VoTable): Link[] {
  const col = (n: string): number => t.fields.findIndex((f) => f.name === n);
  const [u, d, s, l, c, e] = ['access_url', 'description', 'semantics', 'local_semantics', 'content_type', 'error_message'].map(col);
  const get = (r: Array<string | null>, i: number | undefined): string => (i === undefined || i < 0 ? '' : r[i] ?? '');
  return t.rows.map((r) => ({ url: get(r, u), description: get(r, d), semantics: get(r, s), local: get(r, l), contentType: get(r, c), error: get(r, e) }));
}

async function fetchTable(url: string): Promise<VoTable> {
  const local = localUrl(url);
  const sep = local.includes('?') ? '&' : '?';
  let res = await fetch(`${local}${sep}RESPONSEFORMAT=votable%2Ftd`);
  if (!res.ok) res = await fetch(local);
  return parseVoTable(await res.text());
}

function kindOf(l: Link): 'image' | 'lightcurve' | 'spectrum' | 'classes' | 'table' | 'other' {
  const key = `${l.local} ${l.url}`.toLowerCase();
  if (l.contentType.startsWith('image/')) return 'image';
  const votable = l.contentType === '' || l.contentType.includes('votable') || l.contentType.includes('xml');
  // OGIP FITS light curves and PHA spectra are for download and SAMP; the page draws their VOTable twins
  if (votable && /light.?curve/.test(key)) return 'lightcurve';
  if (votable && /spectrum/.test(key)) return 'spectrum';
  if (/ml\.source_class/.test(decodeURIComponent(l.url.replace(/\+/g, ' '))) && l.semantics.endsWith('#derivation')) return 'classes';
  if (l.contentType.includes('votable')) return 'table';
  return 'other';
}

async function drawProduct(l: Link, kind: ReturnType<typeof kindOf>, into: HTMLElement): Promise<void> {
  if (kind === 'image') {
    const fig = document.createElement('figure');
    fig.className = 'plot map';
    fig.style.margin = '0';
    const cap = document.createElement('figcaption');
    cap.textContent = l.description.split(':')[0] ?? l.description;
    const img = document.createElement('img');
    img.src = localUrl(l.url);
    img.alt = l.description;
    fig.append(cap, img);
    into.append(fig);
    return;
  }
  const t = await fetchTable(l.url);
  if (t.status === 'ERROR' || t.rows.length === 0) return;
  const col = (n: string): number | undefined => {
    const i = t.fields.findIndex((f) => f.name === n);
    return i >= 0 ? i : undefined;
  };
  let plot: HTMLElement | undefined;
  if (kind === 'lightcurve') {
    const x = col('time');
    const y = col('rate') ?? col('counts');
    const t0 = x === undefined ? 0 : Number(t.rows[0]?.[x] ?? 0);
    if (x !== undefined && y !== undefined) {
      plot = productPlot(t, `Light curve (${l.description.split(' in ')[1]?.split(' bins')[0] ?? 'binned'} bins)`, x, y, col('rate_error') ?? col('error'), 1e-3, `ks since MET ${t0.toFixed(0)}`, t0);
    }
  } else if (kind === 'spectrum') {
    const x = col('energy');
    const y = col('counts');
    const kev = t.fields[x ?? 0]?.unit === 'eV';
    if (x !== undefined && y !== undefined) plot = productPlot(t, 'Counts spectrum', x, y, col('counts_error'), kev ? 1e-3 : 1, kev ? 'keV' : undefined);
  } else if (kind === 'classes' && classColumns(t.fields).length > 0) {
    plot = classPlot(t, 0);
  }
  if (plot) into.append(plot);
}

export async function showDataLink(panel: HTMLElement, id: string, accessUrl: string, actions: DataLinkActions): Promise<void> {
  panel.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = `DataLink: ${id}`;
  const status = document.createElement('p');
  status.className = 'status';
  status.textContent = 'Loading links…';
  panel.append(h, status);
  const sep = accessUrl.includes('?') ? '&' : '?';
  const res = await fetch(`${localUrl(accessUrl)}${sep}ID=${encodeURIComponent(id)}`);
  const t = parseVoTable(await res.text());
  if (t.status === 'ERROR' && t.rows.length === 0) {
    status.className = 'error';
    status.textContent = t.message ?? `HTTP ${res.status}`;
    return;
  }
  const links = linksOf(t);
  status.textContent = `${links.length} links`;
  const table = document.createElement('table');
  const head = document.createElement('tr');
  for (const n of ['Description', 'Semantics', 'Type', '']) {
    const th = document.createElement('th');
    th.textContent = n;
    head.append(th);
  }
  table.append(head);
  const products = document.createElement('div');
  products.className = 'products';
  const drawing: Array<Promise<void>> = [];
  const drawn = new Set<string>();
  for (const l of links) {
    const tr = document.createElement('tr');
    const cells = [l.error || l.description, (l.local || l.semantics.replace(/.*#/, '')), l.contentType].map((v) => {
      const td = document.createElement('td');
      td.textContent = v;
      return td;
    });
    const act = document.createElement('td');
    const kind = kindOf(l);
    if (l.url) {
      const a = document.createElement('a');
      a.href = localUrl(l.url);
      a.textContent = 'open';
      a.target = '_blank';
      a.rel = 'noopener';
      act.append(a);
      if (kind === 'table' || kind === 'classes' || kind === 'lightcurve' || kind === 'spectrum') {
        const b = document.createElement('button');
        b.textContent = 'grid';
        b.title = 'Show this table in the results grid';
        b.addEventListener('click', () => actions.openInGrid(l.url, l.description));
        act.append(' ', b);
      }
      const s = document.createElement('button');
      s.textContent = 'SAMP';
      s.title = 'Send to TOPCAT / Aladin / DS9 through a SAMP hub';
      s.addEventListener('click', () => actions.sendToSamp(l.url, l.description, kind === 'image' ? 'image' : 'table'));
      act.append(' ', s);
      // every image, and the first light curve, spectrum and class-probability table (the others are one click away)
      if (kind !== 'table' && kind !== 'other' && (kind === 'image' || !drawn.has(kind))) {
        drawn.add(kind);
        drawing.push(drawProduct(l, kind, products).catch(() => undefined));
      }
    }
    tr.append(...cells, act);
    table.append(tr);
  }
  panel.append(products, table);
  await Promise.all(drawing);
}
