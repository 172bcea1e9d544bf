/** The one error class of adql/: every lexer, parser, resolver and translator failure is an AdqlError with a
 *  stable code, a position (line, column, offset) and, where we can tell, what was expected and a hint.
 *  Codes are listed in adql/README.md. */
export class AdqlError extends Error {
    code;
    span;
    line;
    column;
    offset;
    token;
    expected;
    hint;
    constructor(code, message, span, details = {}) {
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
    describe() {
        return `${this.line}:${this.column}: ${this.code}: ${this.message}${this.hint ? ` (${this.hint})` : ''}`;
    }
}
/** Builds a syntax error: "expected <what>, found <token>". The one way parse errors are made. */
export function expected(what, found, hint) {
    const desc = found.kind === 'eof' ? 'end of query' : `"${found.text}"`;
    return new AdqlError('SYNTAX', `expected ${what}, found ${desc}`, found.span, {
        token: found.text,
        expected: what,
        hint,
    });
}
/** A span covering nothing, for errors about the query as a whole. */
export const NO_SPAN = { line: 1, column: 1, offset: 0, length: 0 };
/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a, b) {
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
export function didYouMean(name, candidates) {
    const lower = name.toLowerCase();
    let best = [];
    let bestD = Math.max(2, Math.floor(lower.length / 3)) + 1;
    for (const c of candidates) {
        const d = editDistance(lower, c.toLowerCase());
        if (d < bestD) {
            bestD = d;
            best = [c];
        }
        else if (d === bestD && !best.includes(c))
            best.push(c);
    }
    if (best.length === 0)
        return undefined;
    return `did you mean ${best.slice(0, 3).join(' or ')}?`;
}
