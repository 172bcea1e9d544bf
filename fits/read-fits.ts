/** readFits: splits a FITS file into HDUs, checks each one's mandatory keywords and data size, and exposes
 *  BINTABLE extensions as BinTable objects. Hand-written: no maintained pure-JS FITS reader exists for
 *  Node (2025), and we need only headers plus binary tables. Spec: FITS 4.0 §3 (blocks), §4 (headers),
 *  §7.3 (binary tables). Images are located but not decoded; ASCII tables (TABLE) likewise. */

import { BinTable, readColumns } from './bintable.js';
import { FitsError } from './errors.js';
import { BLOCK_LENGTH, FitsHeader, scanHeader } from './header.js';

export type HduType = 'PRIMARY' | 'IMAGE' | 'BINTABLE' | 'TABLE' | 'UNKNOWN';

export interface FitsHdu {
  /** 0-based position in the file (0 = primary). */
  index: number;
  type: HduType;
  /** EXTNAME (trimmed), 'PRIMARY' for HDU 0 without EXTNAME, '' otherwise. */
  name: string;
  header: FitsHeader;
  headerOffset: number;
  dataOffset: number;
  /** Data bytes without the block padding, heap included. */
  dataLength: number;
  /** Present for BINTABLE HDUs. */
  table?: BinTable;
}

/** Options for readFits. */
export interface ReadFitsOptions {
  /** Decode BINTABLE layouts (default true). False only splits HDUs and reads headers. */
  tables?: boolean;
}

/** A parsed FITS file. Column data is decoded lazily, on first access. */
export class FitsFile {
  readonly hdus: readonly FitsHdu[];
  /** Harmless defects found while reading (missing final padding, trailing bytes). */
  readonly warnings: readonly string[];

  constructor(hdus: readonly FitsHdu[], warnings: readonly string[]) {
    this.hdus = hdus;
    this.warnings = warnings;
  }

  /** HDU by 0-based index or by EXTNAME (case-insensitive, first match); throws NO_SUCH_HDU. */
  hdu(which: number | string): FitsHdu {
    const found = this.findHdu(which);
    if (!found) {
      const names = this.hdus.map((h) => `${h.index}:${h.name || h.type}`).join(', ');
      throw new FitsError('NO_SUCH_HDU', `no HDU ${typeof which === 'number' ? `#${which}` : `named "${which}"`}; the file has ${names}`);
    }
    return found;
  }

  findHdu(which: number | string): FitsHdu | undefined {
    if (typeof which === 'number') return this.hdus[which];
    const key = which.trim().toUpperCase();
    return this.hdus.find((h) => h.name.toUpperCase() === key);
  }

  /** The BinTable of an HDU; throws NOT_A_TABLE when the HDU is not a BINTABLE. */
  table(which: number | string): BinTable {
    const hdu = this.hdu(which);
    if (!hdu.table) {
      throw new FitsError('NOT_A_TABLE', `HDU ${hdu.index} (${hdu.name || hdu.type}) is ${hdu.type}, not a BINTABLE`, { hdu: hdu.index });
    }
    return hdu.table;
  }
}

const BITPIX_VALUES = new Set([8, 16, 32, 64, -32, -64]);

function requireInteger(header: FitsHeader, keyword: string, hdu: number, label: string, min: number, max: number): number {
  const v = header.get(keyword);
  if (v === undefined) {
    throw new FitsError('MISSING_KEYWORD', `HDU ${hdu} (${label}): mandatory keyword ${keyword} is missing`, { hdu, keyword });
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FitsError('BAD_KEYWORD', `HDU ${hdu} (${label}): ${keyword} = ${String(v)} must be an integer in ${min}..${max}`, {
      hdu,
      keyword,
    });
  }
  return v;
}

function hduLabel(header: FitsHeader, index: number): string {
  const extname = header.string('EXTNAME');
  if (extname) return extname.trim();
  return index === 0 ? 'PRIMARY' : `extension ${index}`;
}

/** Parses a whole FITS file held in memory. Throws FitsError on any structural problem. */
export function readFits(buf: Uint8Array, options: ReadFitsOptions = {}): FitsFile {
  const decodeTables = options.tables ?? true;
  const warnings: string[] = [];
  if (buf.length === 0) throw new FitsError('EMPTY_FILE', 'the file is empty (0 bytes); a FITS file has at least one 2880-byte header block');
  const first = String.fromCharCode(...buf.subarray(0, Math.min(30, buf.length)));
  if (!/^SIMPLE {2}= +T/.test(first)) {
    const shown = first.replace(/[^\x20-\x7e]/g, '.');
    throw new FitsError('NOT_FITS', `not a FITS file: it must start with "SIMPLE  =                    T", found "${shown}"`, {
      hdu: 0,
      keyword: 'SIMPLE',
    });
  }
  if (buf.length % BLOCK_LENGTH !== 0) {
    warnings.push(`file length ${buf.length} is not a multiple of ${BLOCK_LENGTH} bytes (FITS 4.0 §3.1)`);
  }
  const hdus: FitsHdu[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const index = hdus.length;
    if (index > 0) {
      const head = String.fromCharCode(...buf.subarray(offset, Math.min(offset + 8, buf.length)));
      if (head !== 'XTENSION') {
        const rest = buf.subarray(offset);
        if (rest.every((b) => b === 0 || b === 0x20)) {
          warnings.push(`${rest.length} blank bytes after the last HDU ignored`);
        } else {
          warnings.push(`${rest.length} bytes after the last HDU (at byte ${offset}) do not start an extension and were ignored`);
        }
        break;
      }
    }
    const { header, dataOffset } = scanHeader(buf, offset, index);
    const label = hduLabel(header, index);
    let type: HduType;
    if (index === 0) {
      type = 'PRIMARY';
    } else {
      const xt = header.get('XTENSION');
      if (typeof xt !== 'string') {
        throw new FitsError('BAD_KEYWORD', `HDU ${index} (${label}): XTENSION must be a string`, { hdu: index, keyword: 'XTENSION' });
      }
      const x = xt.trim().toUpperCase();
      type = x === 'BINTABLE' || x === 'A3DTABLE' ? 'BINTABLE' : x === 'IMAGE' ? 'IMAGE' : x === 'TABLE' ? 'TABLE' : 'UNKNOWN';
    }
    const bitpix = header.get('BITPIX');
    if (bitpix === undefined) {
      throw new FitsError('MISSING_KEYWORD', `HDU ${index} (${label}): mandatory keyword BITPIX is missing`, { hdu: index, keyword: 'BITPIX' });
    }
    if (typeof bitpix !== 'number' || !BITPIX_VALUES.has(bitpix)) {
      throw new FitsError('BAD_KEYWORD', `HDU ${index} (${label}): BITPIX = ${String(bitpix)} must be one of 8, 16, 32, 64, -32, -64`, {
        hdu: index,
        keyword: 'BITPIX',
      });
    }
    const naxis = requireInteger(header, 'NAXIS', index, label, 0, 999);
    const axes: number[] = [];
    for (let k = 1; k <= naxis; k++) axes.push(requireInteger(header, `NAXIS${k}`, index, label, 0, Number.MAX_SAFE_INTEGER));
    let pcount = 0;
    let gcount = 1;
    const randomGroups = index === 0 && header.boolean('GROUPS') === true && axes[0] === 0;
    if (index > 0 || randomGroups) {
      pcount = requireInteger(header, 'PCOUNT', index, label, 0, Number.MAX_SAFE_INTEGER);
      gcount = requireInteger(header, 'GCOUNT', index, label, 0, Number.MAX_SAFE_INTEGER);
    }
    const elements = naxis === 0 ? 0 : (randomGroups ? axes.slice(1) : axes).reduce((a, b) => a * b, 1);
    const dataLength = naxis === 0 && pcount === 0 ? 0 : (Math.abs(bitpix) / 8) * gcount * (pcount + elements);
    if (dataOffset + dataLength > buf.length) {
      const have = Math.max(0, buf.length - dataOffset);
      throw new FitsError(
        'TRUNCATED_DATA',
        `truncated data: ${label} HDU (#${index}) needs ${dataLength} bytes of data from byte ${dataOffset}, file has ${have}` +
          (axes.length === 2 && type === 'BINTABLE' ? ` (NAXIS1 = ${axes[0]} bytes/row × NAXIS2 = ${axes[1]} rows + PCOUNT = ${pcount})` : ''),
        { hdu: index },
      );
    }
    const padded = Math.ceil(dataLength / BLOCK_LENGTH) * BLOCK_LENGTH;
    if (dataOffset + padded > buf.length) warnings.push(`${label} HDU (#${index}) lacks its final block padding`);
    const name = header.string('EXTNAME')?.trim() ?? (index === 0 ? 'PRIMARY' : '');
    const hdu: FitsHdu = { index, type, name, header, headerOffset: offset, dataOffset, dataLength };
    if (type === 'BINTABLE' && decodeTables) {
      if (bitpix !== 8) {
        throw new FitsError('BAD_KEYWORD', `HDU ${index} (${label}): a BINTABLE must have BITPIX = 8, found ${bitpix}`, {
          hdu: index,
          keyword: 'BITPIX',
        });
      }
      if (naxis !== 2) {
        throw new FitsError('BAD_KEYWORD', `HDU ${index} (${label}): a BINTABLE must have NAXIS = 2, found ${naxis}`, { hdu: index, keyword: 'NAXIS' });
      }
      const [rowBytes, nrows] = axes;
      const columns = readColumns(header, index, rowBytes, label);
      hdu.table = new BinTable(buf.subarray(dataOffset, dataOffset + rowBytes * nrows), nrows, rowBytes, columns, index, label);
    }
    hdus.push(hdu);
    offset = dataOffset + padded;
  }
  return new FitsFile(hdus, warnings);
}
