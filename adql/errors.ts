/** The one error class of adql/: every lexer, parser, resolver and translator failure is an AdqlError with a
 *  stable code, a position (line, column, offset) and, where we can tell, what was expected and a hint.
 *  Codes are listed in adql/README.md. */

/** A position in the query text; line and column are 1-based, offset is 0-based (UTF-16 code units). */
export interface Span {
  line: number;
  column: number;
  offset: number;
  /** Length of the spanned text. */
  length: number;
}

export type AdqlErrorCode =
  /** A character or character sequence that starts no ADQL token (e.g. `&`, `%`, `_x`, unterminated string). */
  | 'LEXICAL'
  /** Hexadecimal literals are not ADQL 2.1 (removed from the REC, ivoa-std/ADQL#15). */
  | 'HEX_LITERAL'
  /** Bitwise operators are not ADQL 2.1; use csc_bitand / csc_bittest. */
  | 'BITWISE_OPERATOR'
  /** The grammar expected something else here. */
  | 'SYNTAX'
  /** A reserved word was used as a regular identifier. */
  | 'RESERVED_WORD'
  /** A built-in function got the wrong number of arguments. */
  | 'ARGUMENT_COUNT'
  /** The query nests deeper than the parser allows. */
  | 'TOO_DEEP'
  /** The query is beyond a size limit of the service (length, tree depth, subquery depth, tables); see limits.ts. */
  | 'LIMIT'
  | 'UNKNOWN_TABLE'
  | 'UNKNOWN_COLUMN'
  | 'AMBIGUOUS_COLUMN'
  | 'AMBIGUOUS_TABLE'
  | 'DUPLICATE_ALIAS'
  | 'UNKNOWN_FUNCTION'
  /** Operand types that cannot combine (geometry || string, SUM('a'), ...). */
  | 'TYPE_MISMATCH'
  /** A constant coordinate outside lon [0, 360], lat [-90, 90], or a radius outside [0, 180]. */
  | 'COORDINATE_RANGE'
  /** IN_UNIT with an unknown or incompatible unit. */
  | 'UNIT'
  /** Valid ADQL we deliberately do not translate (REGION, BOX with non-constant arguments, ...). */
  | 'UNSUPPORTED'
  /** Set-operation operands with different column counts, ORDER BY position out of range, ... */
  | 'INVALID_QUERY';

export interface AdqlErrorDetails {
  /** The offending token's text ('' at end of input). */
  token?: string;
  /** What the parser expected instead, e.g. "an expression". */
  expected?: string;
  hint?: string;
  cause?: unknown;
}

export class AdqlError extends Error {
  readonly code: AdqlErrorCode;
  readonly span: Span;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly token: string | undefined;
  readonly expected: string | undefined;
  readonly hint: string | undefined;

  constructor(code: AdqlErrorCode, message: string, span: Span, details: AdqlErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AdqlError';
    this.code = code;
    this.span = span;
    this.line = span.line;
    this.column = span.column;
    this.offset = span.offset;
    this.token = details.token;
    this.expected = details.expected;
    this.hint = details.hint;
  }

  /** `line:column: CODE: message (hint)`, the form the TAP error document shows. */
  describe(): string {
    return `${this.line}:${this.column}: ${this.code}: ${this.message}${this.hint ? ` (${this.hint})` : ''}`;
  }
}

/** The minimal token shape `expected` needs (avoids an import cycle with the lexer). */
export interface FoundToken {
  text: string;
  span: Span;
  kind: string;
}

/** Builds a syntax error: "expected <what>, found <token>". The one way parse errors are made. */
export function expected(what: string, found: FoundToken, hint?: string): AdqlError {
  const desc = found.kind === 'eof' ? 'end of query' : `"${found.text}"`;
  return new AdqlError('SYNTAX', `expected ${what}, found ${desc}`, found.span, {
    token: found.text,
    expected: what,
    hint,
  });
}

/** A span covering nothing, for errors about the query as a whole. */
export const NO_SPAN: Span = { line: 1, column: 1, offset: 0, length: 0 };

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[n] ?? 0;
}

/** "did you mean x?" for the closest candidates (case-insensitive), or undefined when none is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string[] = [];
  let bestD = Math.max(2, Math.floor(lower.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = [c];
    } else if (d === bestD && !best.includes(c)) best.push(c);
  }
  if (best.length === 0) return undefined;
  return `did you mean ${best.slice(0, 3).join(' or ')}?`;
}
