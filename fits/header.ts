/** Parses FITS header cards (80-byte records) into typed keyword values, comments and commentary cards.
 *  Owns the value syntax of FITS 4.0 §4.2 (strings, logicals, integers, reals, complex); leaves HDU structure
 *  to read-fits.ts. CONTINUE long strings and HIERARCH keywords are kept as raw commentary, not assembled. */

import { FitsError } from './errors.js';

export const CARD_LENGTH = 80;
export const BLOCK_LENGTH = 2880;
export const CARDS_PER_BLOCK = BLOCK_LENGTH / CARD_LENGTH;

/** A keyword value: string, logical, integer (bigint when it does not fit a double exactly), real,
 *  complex as [re, im], or null for a keyword with an empty value field. */
export type FitsValue = string | number | bigint | boolean | null | readonly [number, number];

export interface FitsCard {
  /** Upper-case keyword, blank for a blank card. */
  keyword: string;
  /** Parsed value; undefined for commentary cards (COMMENT, HISTORY, blank, CONTINUE, HIERARCH...). */
  value: FitsValue | undefined;
  /** The comment after '/', or the text of a commentary card. */
  comment: string;
  /** The 80 characters as read. */
  raw: string;
}

/** One HDU's header: cards in order plus keyword lookup (first occurrence wins, as in astropy). */
export class FitsHeader {
  readonly cards: readonly FitsCard[];
  private readonly byKeyword: Map<string, FitsCard>;

  constructor(cards: readonly FitsCard[]) {
    this.cards = cards;
    this.byKeyword = new Map();
    for (const card of cards) {
      if (card.value !== undefined && !this.byKeyword.has(card.keyword)) this.byKeyword.set(card.keyword, card);
    }
  }

  /** True when the keyword has a value card. */
  has(keyword: string): boolean {
    return this.byKeyword.has(keyword.toUpperCase());
  }

  /** The typed value, or undefined when absent. */
  get(keyword: string): FitsValue | undefined {
    return this.byKeyword.get(keyword.toUpperCase())?.value;
  }

  /** The comment of a value card. */
  comment(keyword: string): string | undefined {
    return this.byKeyword.get(keyword.toUpperCase())?.comment;
  }

  /** Numeric value (integers and reals; bigints converted), undefined if absent or not numeric. */
  number(keyword: string): number | undefined {
    const v = this.get(keyword);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    return undefined;
  }

  /** String value; numbers are not converted (use value() for lenient reads). */
  string(keyword: string): string | undefined {
    const v = this.get(keyword);
    return typeof v === 'string' ? v : undefined;
  }

  boolean(keyword: string): boolean | undefined {
    const v = this.get(keyword);
    return typeof v === 'boolean' ? v : undefined;
  }

  /** HISTORY card texts in order. */
  get history(): string[] {
    return this.cards.filter((c) => c.keyword === 'HISTORY').map((c) => c.comment);
  }

  /** COMMENT card texts in order. */
  get comments(): string[] {
    return this.cards.filter((c) => c.keyword === 'COMMENT').map((c) => c.comment);
  }
}

const INTEGER_RE = /^[+-]?\d+$/;
const REAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][+-]?\d+)?$/;
const COMPLEX_RE = /^\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)$/;

function parseNumberToken(token: string): number | bigint | undefined {
  if (INTEGER_RE.test(token)) {
    const n = Number(token);
    if (Number.isSafeInteger(n)) return n;
    return BigInt(token);
  }
  if (REAL_RE.test(token)) return Number(token.replace(/[Dd]/, 'E'));
  return undefined;
}

/** Parses one 80-character card. `where` names the HDU and card for error messages. */
export function parseCard(raw: string, hdu: number, cardIndex: number): FitsCard {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 32 || c > 126) {
      throw new FitsError(
        'BAD_CARD',
        `HDU ${hdu} header card ${cardIndex + 1}: byte ${i + 1} is 0x${c.toString(16).padStart(2, '0')}, ` +
          'but FITS headers may only hold printable ASCII (0x20-0x7E); the file is corrupt or not FITS',
        { hdu },
      );
    }
  }
  const keyword = raw.slice(0, 8).trimEnd().toUpperCase();
  const hasValue = raw.slice(8, 10) === '= ' && keyword !== 'COMMENT' && keyword !== 'HISTORY' && keyword !== '';
  if (!hasValue) {
    return { keyword, value: undefined, comment: raw.slice(8).trim(), raw };
  }
  const field = raw.slice(10);
  const lead = field.length - field.trimStart().length;
  const rest = field.slice(lead);
  if (rest.startsWith("'")) {
    // Strings: '' is an escaped quote; trailing blanks are not significant (FITS 4.0 §4.2.1.1).
    let i = 1;
    let text = '';
    let closed = false;
    while (i < rest.length) {
      const ch = rest[i];
      if (ch === "'") {
        if (rest[i + 1] === "'") {
          text += "'";
          i += 2;
          continue;
        }
        closed = true;
        i += 1;
        break;
      }
      text += ch;
      i += 1;
    }
    if (!closed) {
      throw new FitsError('BAD_CARD', `HDU ${hdu} header card ${cardIndex + 1} (${keyword}): string value has no closing quote`, {
        hdu,
        keyword,
      });
    }
    const after = rest.slice(i);
    const slash = after.indexOf('/');
    return { keyword, value: text.trimEnd(), comment: slash >= 0 ? after.slice(slash + 1).trim() : '', raw };
  }
  const slash = rest.indexOf('/');
  const token = (slash >= 0 ? rest.slice(0, slash) : rest).trim();
  const comment = slash >= 0 ? rest.slice(slash + 1).trim() : '';
  if (token === '') return { keyword, value: null, comment, raw };
  if (token === 'T' || token === 'F') return { keyword, value: token === 'T', comment, raw };
  const num = parseNumberToken(token);
  if (num !== undefined) return { keyword, value: num, comment, raw };
  const cm = COMPLEX_RE.exec(token);
  if (cm) {
    const re = parseNumberToken(cm[1]);
    const im = parseNumberToken(cm[2]);
    if (re !== undefined && im !== undefined) return { keyword, value: [Number(re), Number(im)] as const, comment, raw };
  }
  throw new FitsError('BAD_CARD', `HDU ${hdu} header card ${cardIndex + 1} (${keyword}): cannot parse value "${token}"`, {
    hdu,
    keyword,
  });
}

/** Result of scanning one header: the header, where it started, and the offset just after its last block. */
export interface HeaderScan {
  header: FitsHeader;
  /** Byte offset of the first data byte (header blocks rounded up to 2880). */
  dataOffset: number;
}

/** Reads cards from `offset` until END; throws TRUNCATED_HEADER when the file ends first. */
export function scanHeader(bytes: Uint8Array, offset: number, hdu: number): HeaderScan {
  const cards: FitsCard[] = [];
  let pos = offset;
  let cardIndex = 0;
  while (true) {
    if (pos + CARD_LENGTH > bytes.length) {
      throw new FitsError(
        'TRUNCATED_HEADER',
        `truncated header: HDU ${hdu} starting at byte ${offset} has no END card before the end of the file ` +
          `(${cardIndex} cards read, file is ${bytes.length} bytes)`,
        { hdu },
      );
    }
    let raw = '';
    for (let i = 0; i < CARD_LENGTH; i++) raw += String.fromCharCode(bytes[pos + i]);
    pos += CARD_LENGTH;
    // END may carry junk after column 8 in sloppy writers; the keyword alone ends the header.
    if (raw.slice(0, 8) === 'END     ') break;
    cards.push(parseCard(raw, hdu, cardIndex));
    cardIndex += 1;
  }
  const used = pos - offset;
  const dataOffset = offset + Math.ceil(used / BLOCK_LENGTH) * BLOCK_LENGTH;
  return { header: new FitsHeader(cards), dataOffset };
}
