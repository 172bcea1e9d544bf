/** Splits ADQL text into tokens with spans (line, column, offset). Owns the lexical rules of ADQL 2.1 §2.1:
 *  regular and delimited identifiers, numeric and string literals, operators, `--` comments, whitespace.
 *  Rejects what ADQL 2.1 does not have (hex literals, bitwise operators). Keywords are decided by the parser. */
import { AdqlError } from './errors.js';
import type { Span } from './errors.js';

export type TokenKind = 'ident' | 'delimited' | 'number' | 'string' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for strings and delimited identifiers: the raw text with quotes). */
  text: string;
  /** ident: upper-cased name; delimited: the name with "" undoubled; string: the value with '' undoubled;
   *  number and op: the text. */
  value: string;
  span: Span;
  /** Numbers: true when the literal has neither a decimal point nor an exponent. */
  isInteger?: boolean;
}

export const OPERATORS = ['<>', '!=', '<=', '>=', '||', '(', ')', ',', '.', '*', '+', '-', '/', '=', '<', '>', ';'] as const;

const isLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentChar = (c: string): boolean => isLetter(c) || isDigit(c) || c === '_';
const isHexDigit = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

const SINGLE_OPERATORS: ReadonlySet<string> = new Set(OPERATORS.filter((o) => o.length === 1));
const DOUBLE_OPERATORS: ReadonlySet<string> = new Set(OPERATORS.filter((o) => o.length === 2));

/** The operator at `pos` (first character `c`), longest first as in OPERATORS; no closure per call. */
function operatorAt(input: string, pos: number, c: string): string | undefined {
  const two = input.slice(pos, pos + 2);
  if (DOUBLE_OPERATORS.has(two)) return two;
  return SINGLE_OPERATORS.has(c) ? c : undefined;
}

/** Tokenizes the whole input; the last token is always `eof`. Throws AdqlError on a lexical error. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const n = input.length;

  const spanAt = (start: number, startLine: number, startLineStart: number, end: number): Span => ({
    line: startLine,
    column: start - startLineStart + 1,
    offset: start,
    length: end - start,
  });
  const fail = (code: 'LEXICAL' | 'HEX_LITERAL' | 'BITWISE_OPERATOR', message: string, start: number, end: number, hint?: string): never => {
    throw new AdqlError(code, message, spanAt(start, line, lineStart, end), {
      token: input.slice(start, end),
      hint,
    });
  };

  while (pos < n) {
    const c = input.charAt(pos);
    // Whitespace (ADQL §2.1.10) and newlines.
    if (c === '\n') {
      pos++;
      line++;
      lineStart = pos;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || ((c < '!' || c > '~') && /\s/.test(c))) {
      pos++;
      continue;
    }
    // Comments run to the end of the line (ADQL §2.1.9).
    if (c === '-' && input.charAt(pos + 1) === '-') {
      while (pos < n && input.charAt(pos) !== '\n') pos++;
      continue;
    }
    const start = pos;
    const startLine = line;
    const startLineStart = lineStart;

    if (isLetter(c)) {
      while (pos < n && isIdentChar(input.charAt(pos))) pos++;
      const text = input.slice(start, pos);
      tokens.push({ kind: 'ident', text, value: text.toUpperCase(), span: spanAt(start, startLine, startLineStart, pos) });
      continue;
    }
    if (c === '_') {
      let end = pos + 1;
      while (end < n && isIdentChar(input.charAt(end))) end++;
      fail('LEXICAL', 'a regular identifier must start with a letter', start, end, `write "${input.slice(start, end)}" (a delimited identifier) to use this name`);
    }
    if (isDigit(c) || (c === '.' && isDigit(input.charAt(pos + 1)))) {
      if (c === '0' && (input.charAt(pos + 1) === 'x' || input.charAt(pos + 1) === 'X') && isHexDigit(input.charAt(pos + 2))) {
        let end = pos + 2;
        while (end < n && isHexDigit(input.charAt(end))) end++;
        fail('HEX_LITERAL', 'hexadecimal literals are not part of ADQL 2.1', start, end, 'write the value in decimal');
      }
      let isInteger = true;
      while (pos < n && isDigit(input.charAt(pos))) pos++;
      if (input.charAt(pos) === '.') {
        isInteger = false;
        pos++;
        while (pos < n && isDigit(input.charAt(pos))) pos++;
      }
      const e = input.charAt(pos);
      if (e === 'e' || e === 'E') {
        // An exponent needs digits; "10e" or "1E+" is an error, but "89x" is 89 followed by the name x.
        let p = pos + 1;
        if (input.charAt(p) === '+' || input.charAt(p) === '-') p++;
        if (isDigit(input.charAt(p))) {
          isInteger = false;
          pos = p;
          while (pos < n && isDigit(input.charAt(pos))) pos++;
        } else if (input.charAt(p) === '+' || input.charAt(p) === '-' || p > pos + 1) {
          fail('LEXICAL', 'malformed exponent in numeric literal', start, p);
        }
      }
      const text = input.slice(start, pos);
      tokens.push({ kind: 'number', text, value: text, span: spanAt(start, startLine, startLineStart, pos), isInteger });
      continue;
    }
    if (c === "'") {
      pos++;
      let value = '';
      for (;;) {
        if (pos >= n) fail('LEXICAL', 'unterminated string literal', start, n, "close the string with '");
        const ch = input.charAt(pos);
        if (ch === "'") {
          if (input.charAt(pos + 1) === "'") {
            value += "'";
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        if (ch === '\n') {
          line++;
          lineStart = pos + 1;
        }
        value += ch;
        pos++;
      }
      tokens.push({ kind: 'string', text: input.slice(start, pos), value, span: spanAt(start, startLine, startLineStart, pos) });
      continue;
    }
    if (c === '"') {
      pos++;
      let value = '';
      for (;;) {
        if (pos >= n) fail('LEXICAL', 'unterminated delimited identifier', start, n, 'close the identifier with "');
        const ch = input.charAt(pos);
        if (ch === '"') {
          if (input.charAt(pos + 1) === '"') {
            value += '"';
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        if (ch === '\n') fail('LEXICAL', 'newline inside a delimited identifier', start, pos);
        value += ch;
        pos++;
      }
      if (value.length === 0) fail('LEXICAL', 'empty delimited identifier', start, pos);
      tokens.push({ kind: 'delimited', text: input.slice(start, pos), value, span: spanAt(start, startLine, startLineStart, pos) });
      continue;
    }
    const op = operatorAt(input, pos, c);
    if (op) {
      pos += op.length;
      tokens.push({ kind: 'op', text: op, value: op, span: spanAt(start, startLine, startLineStart, pos) });
      continue;
    }
    if (c === '&' || c === '|' || c === '^' || c === '~') {
      fail('BITWISE_OPERATOR', `bitwise operator "${c}" is not part of ADQL 2.1`, start, start + 1, 'use csc_bitand(a, b) or csc_bittest(a, bit) for flag columns');
    }
    const cp = input.codePointAt(pos) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    fail('LEXICAL', `unexpected character "${input.slice(pos, pos + width)}"`, start, start + width);
  }
  tokens.push({ kind: 'eof', text: '', value: '', span: spanAt(pos, line, lineStart, pos) });
  return tokens;
}
