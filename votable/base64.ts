/** Base64 without a runtime's Buffer: an incremental encoder that turns whole 57-byte groups into 76-character
 *  lines (RFC 2045 style, as STREAM content usually is), and a whitespace-tolerant decoder. Pure. */
import { VotableError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENC = new Uint8Array(64);
for (let i = 0; i < 64; i++) ENC[i] = ALPHABET.charCodeAt(i);
const DEC = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) DEC[ALPHABET.charCodeAt(i)] = i;

/** Bytes per base64 line: 57 bytes → 76 characters. */
export const BASE64_LINE_BYTES = 57;
const NL = 10;
const EQ = 61;

/** ENC pairs: PAIR[x] holds the two characters of the 12-bit value x, first one in the low byte (so that a
 *  little-endian 32-bit store of PAIR[hi] | PAIR[lo] << 16 writes the four characters of a 3-byte group). */
const PAIR = new Uint16Array(4096);
for (let i = 0; i < 4096; i++) PAIR[i] = (ENC[i >> 6] as number) | ((ENC[i & 63] as number) << 8);

/** Encodes src[0, n) as base64 lines of 76 characters, each ending in LF. The last line may be short and
 *  padded; callers that stream pass whole multiples of BASE64_LINE_BYTES until the final call. Hot (every byte
 *  of a BINARY/BINARY2 download): a 3-byte group is read as one big-endian 32-bit load where the source has a
 *  byte to spare, and written as one little-endian 32-bit store of two 12-bit table entries. */
export function encodeBase64Lines(src: Uint8Array, n: number): Uint8Array {
  const fullLines = Math.floor(n / BASE64_LINE_BYTES);
  const rest = n - fullLines * BASE64_LINE_BYTES;
  const restChars = rest === 0 ? 0 : Math.ceil(rest / 3) * 4 + 1;
  const out = new Uint8Array(fullLines * 77 + restChars);
  const odv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const sdv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  // A line whose end is inside src can be read with 4-byte loads (the last one reads a byte past the line).
  const wide = src.length;
  let o = 0;
  let i = 0;
  for (let l = 0; l < fullLines; l++) {
    const end = i + BASE64_LINE_BYTES;
    if (end < wide) {
      // 57 bytes = 4 × 12 (three 32-bit loads give four groups) + 3 × 3.
      for (let q = 0; q < 4; q++) {
        const w0 = sdv.getUint32(i);
        const w1 = sdv.getUint32(i + 4);
        const w2 = sdv.getUint32(i + 8);
        const a = w0 >>> 8;
        const b = ((w0 & 0xff) << 16) | (w1 >>> 16);
        const c = ((w1 & 0xffff) << 8) | (w2 >>> 24);
        const d = w2 & 0xffffff;
        odv.setUint32(o, (PAIR[a >>> 12] as number) | ((PAIR[a & 4095] as number) << 16), true);
        odv.setUint32(o + 4, (PAIR[b >>> 12] as number) | ((PAIR[b & 4095] as number) << 16), true);
        odv.setUint32(o + 8, (PAIR[c >>> 12] as number) | ((PAIR[c & 4095] as number) << 16), true);
        odv.setUint32(o + 12, (PAIR[d >>> 12] as number) | ((PAIR[d & 4095] as number) << 16), true);
        o += 16;
        i += 12;
      }
      for (; i < end; i += 3) {
        const v = sdv.getUint32(i) >>> 8;
        odv.setUint32(o, (PAIR[v >>> 12] as number) | ((PAIR[v & 4095] as number) << 16), true);
        o += 4;
      }
    } else {
      for (; i < end; i += 3) {
        const v = ((src[i] as number) << 16) | ((src[i + 1] as number) << 8) | (src[i + 2] as number);
        odv.setUint32(o, (PAIR[v >>> 12] as number) | ((PAIR[v & 4095] as number) << 16), true);
        o += 4;
      }
    }
    out[o++] = NL;
  }
  if (rest > 0) {
    for (; i + 2 < n; i += 3) {
      const a = src[i] as number, b = src[i + 1] as number, c = src[i + 2] as number;
      out[o] = ENC[a >> 2] as number;
      out[o + 1] = ENC[((a & 3) << 4) | (b >> 4)] as number;
      out[o + 2] = ENC[((b & 15) << 2) | (c >> 6)] as number;
      out[o + 3] = ENC[c & 63] as number;
      o += 4;
    }
    const left = n - i;
    if (left === 1) {
      const a = src[i] as number;
      out[o] = ENC[a >> 2] as number;
      out[o + 1] = ENC[(a & 3) << 4] as number;
      out[o + 2] = EQ;
      out[o + 3] = EQ;
      o += 4;
    } else if (left === 2) {
      const a = src[i] as number, b = src[i + 1] as number;
      out[o] = ENC[a >> 2] as number;
      out[o + 1] = ENC[((a & 3) << 4) | (b >> 4)] as number;
      out[o + 2] = ENC[(b & 15) << 2] as number;
      out[o + 3] = EQ;
      o += 4;
    }
    out[o++] = NL;
  }
  return out;
}

/** Decodes base64 text, ignoring whitespace; padding may be present or not. Throws VotableError E06. */
export function decodeBase64(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let o = 0;
  let acc = 0;
  let bits = 0;
  let pad = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 32 || ch === 10 || ch === 13 || ch === 9) continue;
    if (ch === EQ) {
      pad = true;
      continue;
    }
    const v = ch < 256 ? (DEC[ch] as number) : -1;
    if (v < 0 || pad) {
      throw new VotableError('E06', `invalid base64 character ${JSON.stringify(text[i])} at offset ${i} of the STREAM`);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= 0xff; // keep only bits not yet emitted (at most 6 remain)
  }
  return out.subarray(0, o);
}
