/** Query parameters shared by the product endpoints: RESPONSEFORMAT (DALI §3.3, checked against each product's
 *  list) and energies in eV or keV (`eunit`). Pure apart from reading the request's query object. */
import { DaliError } from '../errors.js';

export type Query = Record<string, string | string[] | undefined>;

export function param(q: Query, name: string): string | undefined {
  // DALI parameter names are case-insensitive.
  const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : q[key];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

export function numberParam(q: Query, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const s = param(q, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || !check(n)) throw new DaliError('BAD_PARAMETER', `${name}=${s}: ${what}`);
  return n;
}

/** One output format of a product: the MIME type it is served with and the short names accepted for it. */
export interface ProductFormat<K extends string = string> {
  key: K;
  mime: string;
  aliases: readonly string[];
}

/** The format RESPONSEFORMAT asks for (the first of `formats` when absent); an unknown one is a 400 naming the
 *  allowed values. MIME parameters (`;content=...`) are ignored when matching. */
export function responseFormat<K extends string>(q: Query, formats: ReadonlyArray<ProductFormat<K>>): ProductFormat<K> {
  const asked = param(q, 'RESPONSEFORMAT');
  if (asked === undefined) return formats[0];
  const a = asked.toLowerCase();
  const bare = a.split(';')[0].trim();
  const hit = formats.find((f) => f.mime === bare || f.aliases.includes(a) || f.aliases.includes(bare));
  if (!hit) {
    const allowed = formats.map((f) => [f.mime, ...f.aliases].join(' | ')).join('; ');
    throw new DaliError('BAD_PARAMETER', `RESPONSEFORMAT=${asked} is not offered by this product; allowed: ${allowed}`);
  }
  return hit;
}

export const VOTABLE_FORMAT = { mime: 'application/x-votable+xml', aliases: ['votable', 'text/xml', 'application/xml'] } as const;
export const FITS_FORMAT = { mime: 'application/fits', aliases: ['fits', 'image/fits', 'application/x-fits'] } as const;
export const PNG_FORMAT = { mime: 'image/png', aliases: ['png'] } as const;

/** eV per unit of `eunit` (eV, the default, or keV). */
export function energyUnit(q: Query): { name: 'eV' | 'keV'; ev: number } {
  const u = param(q, 'eunit');
  if (u === undefined || u.toLowerCase() === 'ev') return { name: 'eV', ev: 1 };
  if (u.toLowerCase() === 'kev') return { name: 'keV', ev: 1000 };
  throw new DaliError('BAD_PARAMETER', `eunit=${u}: energies are given in eV or keV (eunit=eV | keV)`);
}

/** emin/emax in eV (given in `eunit`), both optional; emax must exceed emin. */
export function energyBand(q: Query): { eMinEv?: number; eMaxEv?: number } {
  const u = energyUnit(q);
  const lo = numberParam(q, 'emin', (n) => n >= 0, `must be a non-negative energy in ${u.name}`);
  const hi = numberParam(q, 'emax', (n) => n > 0, `must be a positive energy in ${u.name}`);
  if (lo !== undefined && hi !== undefined && !(hi > lo)) throw new DaliError('BAD_PARAMETER', `emax (${hi} ${u.name}) must exceed emin (${lo} ${u.name})`);
  return { eMinEv: lo === undefined ? undefined : lo * u.ev, eMaxEv: hi === undefined ? undefined : hi * u.ev };
}
