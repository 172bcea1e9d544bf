import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BASE64_LINE_BYTES, decodeBase64, encodeBase64Lines } from './base64.js';

/** The reference: Node's base64 of the bytes, cut into 76-character lines, each ending in LF. */
function reference(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('base64');
  let out = '';
  for (let i = 0; i < text.length; i += 76) out += `${text.slice(i, i + 76)}\n`;
  return out;
}

describe('encodeBase64Lines', () => {
  it('writes what Node writes, in 76-character lines, for every length and every position in a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), fc.nat(8), fc.nat(8), (bytes, before, after) => {
        // The encoder reads 4 bytes at a time where src has a byte to spare: vary what surrounds the data.
        const host = new Uint8Array(before + bytes.length + after).fill(0xa5);
        host.set(bytes, before);
        const src = host.subarray(before, before + bytes.length + after);
        const out = encodeBase64Lines(src, bytes.length);
        expect(Buffer.from(out).toString('latin1')).toBe(reference(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('reads no byte past the end of a source that ends exactly where the data does', () => {
    for (let n = 0; n <= 4 * BASE64_LINE_BYTES + 3; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 255);
      expect(Buffer.from(encodeBase64Lines(bytes, n)).toString('latin1')).toBe(reference(bytes));
    }
  });

  it('encodes every byte value in every position of a 3-byte group', () => {
    const bytes = new Uint8Array(3 * 256 * 3);
    for (let v = 0; v < 256; v++) for (let pos = 0; pos < 3; pos++) bytes[(v * 3 + pos) * 3 + pos] = v;
    for (const n of [bytes.length, BASE64_LINE_BYTES * 13, BASE64_LINE_BYTES * 13 + 1, BASE64_LINE_BYTES * 13 + 2]) {
      const out = encodeBase64Lines(bytes, n);
      expect(Buffer.from(out).toString('latin1')).toBe(reference(bytes.subarray(0, n)));
      expect(decodeBase64(Buffer.from(out).toString('latin1'))).toEqual(bytes.subarray(0, n));
    }
  });
});
