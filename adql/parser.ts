/** Recursive-descent parser for ADQL 2.1 (and 2.0) text → AST (ast.ts). Owns the grammar of ADQL 2.1 App. A:
 *  queries, set operations, joins, predicates, value expressions, built-in and user-defined functions, and the
 *  normalisation of geometry constructors. Knows nothing about tables; the resolve pass (resolve/) checks names.
 *  Every failure is an AdqlError made by `expected()` where possible. */
import type { AdqlType, Cte, Expr, FromItem, Ident, JoinType, OrderItem, Query, QueryBody, SelectCore, SelectItem } from './ast.js';
import { isCondition } from './ast.js';
import { AdqlError, expected } from './errors.js';
import type { Span } from './errors.js';
import { tokenize } from './lexer.js';
import type { Token } from './lexer.js';
import { isReservedWord } from './reserved-words.js';
import { DEFAULT_ADQL_LIMITS, checkQueryLength, checkTreeLimits } from './limits.js';
import type { AdqlLimits } from './limits.js';

export interface ParseOptions {
  /** Maximum nesting while parsing (overrides limits.maxNesting). Guards the stack against hostile input. */
  maxDepth?: number;
  /** Size limits (limits.ts); the defaults apply to any not given. */
  limits?: Partial<AdqlLimits>;
}

/** Parses one ADQL query within its size limits. Throws AdqlError on any lexical or syntax error and (code LIMIT
 *  or TOO_DEEP) on a query beyond a limit. */
export function parseAdql(text: string, opts: ParseOptions = {}): Query {
  const limits: AdqlLimits = { ...DEFAULT_ADQL_LIMITS, ...opts.limits };
  checkQueryLength(text, limits);
  const query = new Parser(tokenize(text), opts.maxDepth ?? limits.maxNesting).parseStatement();
  checkTreeLimits(query, limits);
  return query;
}

type Arity = readonly [min: number, max: number];

/** Built-in scalar functions with fixed arity (ADQL §2.3 math/trig, §4.4 string, §4.8 conditional, §4.9 unit). */
const SCALAR_FUNCTIONS: Readonly<Record<string, Arity>> = {
  ABS: [1, 1], CEILING: [1, 1], DEGREES: [1, 1], EXP: [1, 1], FLOOR: [1, 1], LOG: [1, 1], LOG10: [1, 1],
  MOD: [2, 2], PI: [0, 0], POWER: [2, 2], RADIANS: [1, 1], RAND: [0, 1], ROUND: [1, 2], SQRT: [1, 1],
  TRUNCATE: [1, 2], ACOS: [1, 1], ASIN: [1, 1], ATAN: [1, 1], ATAN2: [2, 2], COS: [1, 1], COT: [1, 1],
  SIN: [1, 1], TAN: [1, 1], LOWER: [1, 1], UPPER: [1, 1], COALESCE: [1, Infinity], NULLIF: [2, 2],
  IN_UNIT: [2, 2], CONTAINS: [2, 2], INTERSECTS: [2, 2], AREA: [1, 1], CENTROID: [1, 1], COORD1: [1, 1],
  COORD2: [1, 1], COORDSYS: [1, 1],
};
const AGGREGATES = new Set(['COUNT', 'AVG', 'MIN', 'MAX', 'SUM']);
const GEOMETRY_CONSTRUCTORS = new Set(['POINT', 'CIRCLE', 'BOX', 'POLYGON', 'REGION', 'DISTANCE']);

/** Every built-in function name the parser knows (for messages and the function registry). */
export const BUILTIN_FUNCTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(SCALAR_FUNCTIONS),
  ...AGGREGATES,
  ...GEOMETRY_CONSTRUCTORS,
]);

const COMPARE_OPS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  // ---- token helpers ----

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  private isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.value === word;
  }
  private isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.value === op;
  }
  private acceptKw(word: string): Token | undefined {
    return this.isKw(word) ? this.next() : undefined;
  }
  private acceptOp(op: string): Token | undefined {
    return this.isOp(op) ? this.next() : undefined;
  }
  private expectKw(word: string, what = word): Token {
    if (!this.isKw(word)) throw expected(what, this.peek());
    return this.next();
  }
  private expectOp(op: string, what = `"${op}"`): Token {
    if (!this.isOp(op)) throw expected(what, this.peek());
    return this.next();
  }
  private enter(span: Span): void {
    if (++this.depth > this.maxDepth) {
      throw new AdqlError('TOO_DEEP', `the query nests more than ${this.maxDepth} levels deep here (parentheses, function calls, subqueries, NOT, signs); the nesting depth limit of this service is ${this.maxDepth}`, span, {
        hint: 'simplify the query',
      });
    }
  }
  private leave(): void {
    this.depth--;
  }

  /** A name (table, column, alias): a non-reserved regular identifier or a delimited one. */
  private parseIdent(what: string): Ident {
    const t = this.peek();
    if (t.kind === 'delimited') {
      this.next();
      return { name: t.value, delimited: true, span: t.span };
    }
    if (t.kind === 'ident') {
      if (isReservedWord(t.value)) throw reservedWordError(t, what);
      this.next();
      return { name: t.text, delimited: false, span: t.span };
    }
    throw expected(what, t);
  }

  /** A bare (AS-less) alias can follow here: a delimited identifier or a non-reserved regular one. */
  private atBareAlias(): boolean {
    const t = this.peek();
    return t.kind === 'delimited' || (t.kind === 'ident' && !isReservedWord(t.value));
  }

  private parseAlias(): Ident | undefined {
    if (this.acceptKw('AS')) return this.parseIdent('an alias');
    return this.atBareAlias() ? this.parseIdent('an alias') : undefined;
  }

  // ---- statements and queries ----

  parseStatement(): Query {
    const start = this.peek();
    const ctes: Cte[] = [];
    if (this.acceptKw('WITH')) {
      do ctes.push(this.parseCte());
      while (this.acceptOp(','));
    }
    const q = this.parseQueryExpression();
    q.with = ctes;
    q.span = start.span;
    this.acceptOp(';'); // a trailing semicolon is tolerated; the translation never contains one
    if (this.peek().kind !== 'eof') {
      const t = this.peek();
      throw expected(q.orderBy.length || q.offset !== undefined ? 'end of query' : 'ORDER BY, OFFSET, a set operator or end of query', t);
    }
    return q;
  }

  private parseCte(): Cte {
    const name = this.parseIdent('a common table expression name');
    let columns: Ident[] | undefined;
    if (this.acceptOp('(')) {
      columns = [];
      do columns.push(this.parseIdent('a column name'));
      while (this.acceptOp(','));
      this.expectOp(')');
    }
    this.expectKw('AS');
    this.expectOp('(');
    const query = this.parseQueryExpression();
    this.expectOp(')');
    return { name, columns, query, span: name.span };
  }

  /** set expression [ORDER BY ...] [OFFSET n]; WITH is only allowed at the top (ADQL §4.5). */
  private parseQueryExpression(): Query {
    const start = this.peek();
    this.enter(start.span);
    if (this.isKw('WITH')) {
      throw new AdqlError('SYNTAX', 'WITH is only allowed at the start of the whole query', start.span, {
        token: start.text,
        expected: 'SELECT',
        hint: 'move the common table expression to the top-level WITH clause',
      });
    }
    const body = this.parseUnionLevel();
    const orderBy: OrderItem[] = [];
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      do orderBy.push(this.parseOrderItem());
      while (this.acceptOp(','));
    }
    let offset: number | undefined;
    if (this.acceptKw('OFFSET')) offset = this.parseUnsignedInteger('a non-negative integer after OFFSET');
    this.leave();
    return { kind: 'query', with: [], body, orderBy, offset, span: start.span };
  }

  private parseOrderItem(): OrderItem {
    const start = this.peek();
    const expr = this.parseValue();
    let descending = false;
    if (this.acceptKw('DESC')) descending = true;
    else this.acceptKw('ASC');
    if (this.isKw('NULLS')) {
      throw expected('",", OFFSET or end of query', this.peek(), 'NULLS FIRST/LAST is not ADQL');
    }
    return { expr, descending, span: start.span };
  }

  // UNION and EXCEPT bind looser than INTERSECT (ADQL §4.6, SQL-92).
  private parseUnionLevel(): QueryBody {
    let left = this.parseIntersectLevel();
    for (;;) {
      const t = this.peek();
      const op = this.isKw('UNION') ? 'UNION' : this.isKw('EXCEPT') ? 'EXCEPT' : undefined;
      if (!op) return left;
      this.next();
      const all = !!this.acceptKw('ALL');
      if (!all) this.acceptKw('DISTINCT');
      const right = this.parseIntersectLevel();
      left = { kind: 'setop', op, all, left, right, span: t.span };
    }
  }

  private parseIntersectLevel(): QueryBody {
    let left = this.parseQueryPrimary();
    for (;;) {
      const t = this.peek();
      if (!this.isKw('INTERSECT')) return left;
      this.next();
      const all = !!this.acceptKw('ALL');
      if (!all) this.acceptKw('DISTINCT');
      const right = this.parseQueryPrimary();
      left = { kind: 'setop', op: 'INTERSECT', all, left, right, span: t.span };
    }
  }

  private parseQueryPrimary(): QueryBody {
    if (this.isOp('(')) {
      this.next();
      const inner = this.parseQueryExpression();
      this.expectOp(')');
      return inner.orderBy.length === 0 && inner.offset === undefined ? inner.body : inner;
    }
    if (!this.isKw('SELECT')) throw expected('SELECT', this.peek());
    return this.parseSelectCore();
  }

  private parseSelectCore(): SelectCore {
    const start = this.expectKw('SELECT');
    let quantifier: SelectCore['quantifier'];
    if (this.acceptKw('DISTINCT')) quantifier = 'DISTINCT';
    else if (this.acceptKw('ALL')) quantifier = 'ALL';
    let top: number | undefined;
    if (this.acceptKw('TOP')) top = this.parseUnsignedInteger('a non-negative integer after TOP');
    const items: SelectItem[] = [];
    do items.push(this.parseSelectItem());
    while (this.acceptOp(','));
    if (!this.isKw('FROM')) throw expected(items.length ? '",", an alias or FROM' : 'FROM', this.peek());
    this.next();
    const from: FromItem[] = [];
    do from.push(this.parseTableReference());
    while (this.acceptOp(','));
    let where: Expr | undefined;
    if (this.acceptKw('WHERE')) where = this.parseSearchCondition('a condition after WHERE');
    const groupBy: Expr[] = [];
    if (this.acceptKw('GROUP')) {
      this.expectKw('BY');
      do groupBy.push(this.parseValue());
      while (this.acceptOp(','));
    }
    let having: Expr | undefined;
    if (this.acceptKw('HAVING')) having = this.parseSearchCondition('a condition after HAVING');
    return { kind: 'select', quantifier, top, items, from, where, groupBy, having, span: start.span };
  }

  private parseUnsignedInteger(what: string): number {
    const t = this.peek();
    if (t.kind !== 'number' || !t.isInteger) throw expected(what, t);
    const v = Number(t.value);
    if (!Number.isSafeInteger(v)) throw expected(what, t, 'the value is too large');
    this.next();
    return v;
  }

  private parseSelectItem(): SelectItem {
    const start = this.peek();
    if (this.acceptOp('*')) return { kind: 'star', span: start.span };
    // qualifier.* : up to three identifiers then ".*"
    const qualifier = this.tryQualifiedStar();
    if (qualifier) return { kind: 'qualifiedStar', qualifier, span: start.span };
    if (this.isKw('FROM')) throw expected('a select item', this.peek());
    const expr = this.parseValue();
    const alias = this.parseAlias();
    return { kind: 'expr', expr, alias, span: start.span };
  }

  private tryQualifiedStar(): Ident[] | undefined {
    let k = 0;
    for (let parts = 1; parts <= 3; parts++) {
      const t = this.peek(k);
      if (t.kind !== 'ident' && t.kind !== 'delimited') return undefined;
      if (!this.isOp('.', k + 1)) return undefined;
      if (this.isOp('*', k + 2)) {
        const idents: Ident[] = [];
        for (let i = 0; i < parts; i++) {
          idents.push(this.parseIdent('a table name'));
          this.next(); // '.'
        }
        this.next(); // '*'
        return idents;
      }
      k += 2;
    }
    return undefined;
  }

  // ---- FROM ----

  private parseTableReference(): FromItem {
    let left = this.parseTablePrimary();
    for (;;) {
      const start = this.peek();
      const startPos = this.pos;
      if (this.isKw('CROSS')) {
        this.next();
        this.expectKw('JOIN');
        const right = this.parseTablePrimary();
        left = { kind: 'join', type: 'CROSS', natural: false, left, right, on: undefined, using: undefined, parenthesized: false, span: start.span };
        continue;
      }
      const natural = !!this.acceptKw('NATURAL');
      let type: JoinType = 'INNER';
      if (this.acceptKw('INNER')) type = 'INNER';
      else if (this.isKw('LEFT') || this.isKw('RIGHT') || this.isKw('FULL')) {
        type = this.next().value as JoinType;
        this.acceptKw('OUTER');
      }
      if (!this.isKw('JOIN')) {
        if (this.pos !== startPos) throw expected('JOIN', this.peek());
        return left;
      }
      this.next();
      const right = this.parseTablePrimary();
      let on: Expr | undefined;
      let using: Ident[] | undefined;
      if (!natural && this.acceptKw('ON')) on = this.parseSearchCondition('a join condition after ON');
      else if (!natural && this.acceptKw('USING')) {
        this.expectOp('(');
        using = [];
        do using.push(this.parseIdent('a column name'));
        while (this.acceptOp(','));
        this.expectOp(')');
      }
      left = { kind: 'join', type, natural, left, right, on, using, parenthesized: false, span: start.span };
    }
  }

  private parseTablePrimary(): FromItem {
    const start = this.peek();
    if (this.isOp('(')) {
      this.enter(start.span);
      const item = this.looksLikeSubquery() ? this.parseSubqueryOrJoin() : this.parseParenthesizedJoin();
      this.leave();
      return item;
    }
    const name: Ident[] = [this.parseIdent('a table name')];
    while (this.isOp('.')) {
      this.next();
      if (name.length === 3) throw expected('an alias, JOIN, WHERE or another clause (a table name has at most three parts)', this.tokens[this.pos - 1] as Token);
      name.push(this.parseIdent('a table name'));
    }
    const alias = this.parseAlias();
    return { kind: 'table', name, alias, span: start.span };
  }

  /** After "(": does a SELECT come before anything but more "("? */
  private looksLikeSubquery(): boolean {
    let k = 1;
    while (this.isOp('(', k)) k++;
    return this.isKw('SELECT', k) || this.isKw('WITH', k);
  }

  private parseSubqueryOrJoin(): FromItem {
    const start = this.peek();
    const save = this.pos;
    try {
      this.next();
      const query = this.parseQueryExpression();
      this.expectOp(')');
      if (!this.isKw('AS') && !this.atBareAlias()) {
        throw new AdqlError('SYNTAX', 'a subquery in FROM needs an alias', this.peek().span, {
          token: this.peek().text,
          expected: 'AS and an alias',
          hint: 'write (SELECT ...) AS q',
        });
      }
      const alias = this.parseAlias() as Ident;
      return { kind: 'subquery', query, alias, span: start.span };
    } catch (err) {
      // "((SELECT ...) AS q JOIN t)" is a parenthesised join that starts with a subquery.
      if (!(err instanceof AdqlError)) throw err;
      const failedAt = this.pos;
      this.pos = save;
      try {
        return this.parseParenthesizedJoin();
      } catch (err2) {
        if (err2 instanceof AdqlError && err2.offset > (this.tokens[failedAt] as Token).span.offset) throw err2;
        throw err;
      }
    }
  }

  private parseParenthesizedJoin(): FromItem {
    this.expectOp('(');
    const inner = this.parseTableReference();
    this.expectOp(')');
    if (inner.kind === 'join') return { ...inner, parenthesized: true };
    return inner;
  }

  // ---- conditions ----

  /** A search condition (WHERE, HAVING, ON, WHEN): must be a predicate, not a bare value. */
  private parseSearchCondition(what: string): Expr {
    const start = this.peek();
    const e = this.parseOr();
    if (!isConditionLike(e)) throw notACondition(e, start, what);
    return e;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isKw('OR')) {
      const t = this.next();
      const right = this.parseAnd();
      left = { kind: 'logical', op: 'OR', left: this.cond(left, t), right: this.cond(right, t), span: left.span };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isKw('AND')) {
      const t = this.next();
      const right = this.parseNot();
      left = { kind: 'logical', op: 'AND', left: this.cond(left, t), right: this.cond(right, t), span: left.span };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isKw('NOT')) {
      const t = this.next();
      this.enter(t.span);
      const arg = this.parseNot();
      this.leave();
      return { kind: 'not', arg: this.cond(arg, t), span: t.span };
    }
    return this.parsePredicate();
  }

  private cond(e: Expr, near: Token): Expr {
    if (!isConditionLike(e)) throw notACondition(e, near, 'a condition');
    return e;
  }

  private parsePredicate(): Expr {
    const start = this.peek();
    if (this.isKw('EXISTS')) {
      this.next();
      if (!this.isOp('(')) throw expected('"(" and a subquery after EXISTS', this.peek());
      this.next();
      const query = this.parseQueryExpression();
      this.expectOp(')');
      return { kind: 'exists', query, span: start.span };
    }
    const left = this.parseValueOrCondition();
    const t = this.peek();
    if (t.kind === 'op' && COMPARE_OPS.has(t.value)) {
      this.next();
      const right = this.parseValue();
      return { kind: 'compare', op: t.value as Extract<Expr, { kind: 'compare' }>['op'], left: this.value(left), right, span: left.span };
    }
    const not = this.isKw('NOT') && (this.isKw('BETWEEN', 1) || this.isKw('LIKE', 1) || this.isKw('ILIKE', 1) || this.isKw('IN', 1));
    if (not) this.next();
    if (this.acceptKw('BETWEEN')) {
      const low = this.parseValue();
      this.expectKw('AND', 'AND in BETWEEN ... AND ...');
      const high = this.parseValue();
      return { kind: 'between', not, arg: this.value(left), low, high, span: left.span };
    }
    if (this.isKw('LIKE') || this.isKw('ILIKE')) {
      const op = this.next().value as 'LIKE' | 'ILIKE';
      const pattern = this.parseValue();
      return { kind: 'like', not, op, arg: this.value(left), pattern, span: left.span };
    }
    if (this.acceptKw('IN')) {
      if (!this.isOp('(')) throw expected('"(" with a value list or a subquery after IN', this.peek());
      if (this.isKw('SELECT', 1) || (this.isOp('(', 1) && this.looksLikeSubquery())) {
        this.next();
        const query = this.parseQueryExpression();
        this.expectOp(')');
        return { kind: 'inQuery', not, arg: this.value(left), query, span: left.span };
      }
      this.next();
      const list: Expr[] = [];
      do list.push(this.parseValue());
      while (this.acceptOp(','));
      this.expectOp(')', '"," or ")"');
      return { kind: 'in', not, arg: this.value(left), list, span: left.span };
    }
    if (not) throw expected('BETWEEN, LIKE, ILIKE or IN after NOT', this.peek());
    if (this.acceptKw('IS')) {
      const isNot = !!this.acceptKw('NOT');
      this.expectKw('NULL', isNot ? 'NULL after IS NOT' : 'NULL or NOT NULL after IS');
      return { kind: 'isNull', not: isNot, arg: this.value(left), span: left.span };
    }
    return left;
  }

  // ---- value expressions ----

  /** A value expression; a parenthesised condition is an error here. */
  private parseValue(): Expr {
    return this.value(this.parseValueOrCondition());
  }

  private value(e: Expr): Expr {
    if (isCondition(e)) {
      throw new AdqlError('SYNTAX', 'expected a value, found a condition', e.span, {
        expected: 'a value expression',
        hint: 'comparisons and other predicates can only appear in WHERE, HAVING, ON and CASE WHEN',
      });
    }
    return e;
  }

  private parseValueOrCondition(): Expr {
    let left = this.parseAdditive();
    while (this.isOp('||')) {
      const t = this.next();
      const right = this.parseAdditive();
      left = { kind: 'binary', op: '||', left: this.value(left), right: this.value(right), span: t.span };
    }
    return left;
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      const right = this.parseMultiplicative();
      left = { kind: 'binary', op: t.value as '+' | '-', left: this.value(left), right: this.value(right), span: t.span };
    }
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/')) {
      const t = this.next();
      const right = this.parseUnary();
      left = { kind: 'binary', op: t.value as '*' | '/', left: this.value(left), right: this.value(right), span: t.span };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      this.enter(t.span);
      const arg = this.parseUnary();
      this.leave();
      return { kind: 'unary', op: t.value as '+' | '-', arg: this.value(arg), span: t.span };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    this.enter(t.span);
    try {
      return this.parsePrimaryInner(t);
    } finally {
      this.leave();
    }
  }

  private parsePrimaryInner(t: Token): Expr {
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'number', text: t.value, value: Number(t.value), isInteger: !!t.isInteger, span: t.span };
      case 'string': {
        this.next();
        // SQL-92 §5.3: string literals separated only by whitespace or comments are one literal ('a' 'b' = 'ab').
        let value = t.value;
        while (this.peek().kind === 'string') value += this.next().value;
        return { kind: 'string', value, span: t.span };
      }
      case 'delimited':
        return this.parseColumnOrCall();
      case 'op':
        if (t.value === '(') {
          this.next();
          if (this.isKw('SELECT') || this.isKw('WITH') || (this.isOp('(') && this.looksLikeSubqueryAt0())) {
            const query = this.parseQueryExpression();
            this.expectOp(')');
            return { kind: 'subquery', query, span: t.span };
          }
          const inner = this.parseOr();
          this.expectOp(')', '")"');
          return { kind: 'paren', expr: inner, span: t.span };
        }
        throw expected('an expression', t);
      case 'eof':
        throw expected('an expression', t);
      case 'ident':
        break;
    }
    switch (t.value) {
      case 'NULL':
        this.next();
        return { kind: 'null', span: t.span };
      case 'TRUE':
      case 'FALSE':
        this.next();
        return { kind: 'boolean', value: t.value === 'TRUE', span: t.span };
      case 'CASE':
        return this.parseCase();
      case 'CAST':
        return this.parseCast();
    }
    return this.parseColumnOrCall();
  }

  /** At "(" (already consumed one): is this "( ( ... SELECT"? */
  private looksLikeSubqueryAt0(): boolean {
    let k = 0;
    while (this.isOp('(', k)) k++;
    return this.isKw('SELECT', k);
  }

  private parseCase(): Expr {
    const start = this.next();
    let operand: Expr | undefined;
    if (!this.isKw('WHEN')) operand = this.parseValue();
    const whens: Array<{ when: Expr; then: Expr }> = [];
    while (this.acceptKw('WHEN')) {
      const when = operand ? this.parseValue() : this.parseSearchCondition('a condition after WHEN');
      this.expectKw('THEN');
      const then = this.parseValue();
      whens.push({ when, then });
    }
    if (whens.length === 0) throw expected('WHEN', this.peek());
    let elseExpr: Expr | undefined;
    if (this.acceptKw('ELSE')) elseExpr = this.parseValue();
    this.expectKw('END', 'WHEN, ELSE or END');
    return { kind: 'case', operand, whens, else: elseExpr, span: start.span };
  }

  private parseCast(): Expr {
    const start = this.next();
    this.expectOp('(');
    const arg = this.parseValue();
    this.expectKw('AS');
    const type = this.parseType();
    this.expectOp(')');
    return { kind: 'cast', arg, type, span: start.span };
  }

  private parseType(): AdqlType {
    const t = this.peek();
    const what = 'an ADQL type (SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, CHAR(n), VARCHAR(n), TIMESTAMP, POINT, CIRCLE, POLYGON)';
    if (t.kind !== 'ident') throw expected(what, t);
    switch (t.value) {
      case 'SMALLINT':
      case 'INTEGER':
      case 'BIGINT':
      case 'REAL':
      case 'TIMESTAMP':
      case 'POINT':
      case 'CIRCLE':
      case 'POLYGON':
      case 'REGION':
        this.next();
        return { name: t.value };
      case 'DOUBLE':
        this.next();
        this.expectKw('PRECISION', 'PRECISION after DOUBLE');
        return { name: 'DOUBLE PRECISION' };
      case 'CHAR':
      case 'VARCHAR': {
        this.next();
        let length: number | undefined;
        if (this.acceptOp('(')) {
          length = this.parseUnsignedInteger('a length');
          if (length === 0) throw expected('a positive length', this.tokens[this.pos - 1] as Token);
          this.expectOp(')');
        }
        return { name: t.value, length };
      }
      default:
        throw expected(what, t, t.value === 'FLOAT' || t.value === 'INT' || t.value === 'NUMERIC' || t.value === 'DECIMAL' ? `${t.value} is not an ADQL type` : undefined);
    }
  }

  /** Column reference (up to catalog.schema.table.column) or function call (name(...), prefix.name(...)). */
  private parseColumnOrCall(): Expr {
    const first = this.peek();
    // Function call: a (regular) name directly followed by "(".
    if (first.kind === 'ident' && this.isOp('(', 1)) {
      if (BUILTIN_FUNCTION_NAMES.has(first.value)) return this.parseBuiltinCall();
      if (isReservedWord(first.value)) {
        throw new AdqlError('SYNTAX', `${first.value} is not an ADQL function`, first.span, {
          token: first.text,
          expected: 'an expression',
        });
      }
      this.next();
      return this.parseCallArgs(first, undefined, first.text);
    }
    if (first.kind === 'ident' && isReservedWord(first.value)) throw reservedWordError(first, 'an expression');
    const parts: Ident[] = [this.parseIdent('a column name')];
    while (this.isOp('.')) {
      const dot = this.next();
      // prefix.function(...) — a user-defined function in a schema-like namespace (dbo.cone_distance).
      const nt = this.peek();
      if (parts.length === 1 && nt.kind === 'ident' && this.isOp('(', 1) && !(parts[0] as Ident).delimited) {
        this.next();
        return this.parseCallArgs(nt, parts[0], `${(parts[0] as Ident).name}.${nt.text}`);
      }
      if (parts.length === 4) throw expected('an operator (a column reference has at most four parts)', dot);
      parts.push(this.parseIdent('a column name'));
    }
    return { kind: 'column', parts, span: first.span };
  }

  private parseCallArgs(nameTok: Token, prefix: Ident | undefined, written: string): Expr {
    this.expectOp('(');
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do args.push(this.parseValue());
      while (this.acceptOp(','));
    }
    this.expectOp(')', '"," or ")"');
    return {
      kind: 'call',
      name: nameTok.text.toUpperCase(),
      prefix,
      written,
      args,
      distinct: false,
      star: false,
      builtin: false,
      span: prefix ? prefix.span : nameTok.span,
    };
  }

  private parseBuiltinCall(): Expr {
    const nameTok = this.next();
    const name = nameTok.value;
    this.expectOp('(');
    const call = (args: Expr[], extra: { distinct?: boolean; star?: boolean } = {}): Expr => ({
      kind: 'call',
      name,
      prefix: undefined,
      written: nameTok.text,
      args,
      distinct: extra.distinct ?? false,
      star: extra.star ?? false,
      builtin: true,
      span: nameTok.span,
    });
    if (AGGREGATES.has(name)) {
      if (name === 'COUNT' && this.isOp('*')) {
        this.next();
        this.expectOp(')');
        return call([], { star: true });
      }
      const distinct = !!this.acceptKw('DISTINCT');
      if (!distinct) this.acceptKw('ALL');
      const arg = this.parseValue();
      this.expectOp(')', '")"');
      return call([arg], { distinct });
    }
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do args.push(this.parseValue());
      while (this.acceptOp(','));
    }
    this.expectOp(')', '"," or ")"');
    const argCountError = (want: string): AdqlError =>
      new AdqlError('ARGUMENT_COUNT', `${name} takes ${want}, got ${args.length}`, nameTok.span, {
        token: nameTok.text,
        expected: want,
      });
    const arity = SCALAR_FUNCTIONS[name];
    if (arity) {
      if (args.length < arity[0] || args.length > arity[1]) {
        const want = arity[0] === arity[1] ? `${arity[0]} argument${arity[0] === 1 ? '' : 's'}` : arity[1] === Infinity ? `at least ${arity[0]} argument` : `${arity[0]} to ${arity[1]} arguments`;
        throw argCountError(want);
      }
      if ((name === 'COORD1' || name === 'COORD2') && !isPointLike(args[0] as Expr)) {
        throw new AdqlError('SYNTAX', `${name} needs a point (POINT(...) or a point column)`, (args[0] as Expr).span, { expected: 'a point' });
      }
      return call(args);
    }
    return this.geometry(name, args, nameTok, argCountError);
  }

  /** Normalises POINT/CIRCLE/BOX/POLYGON/REGION/DISTANCE argument lists (ADQL §4.2; the leading coordinate
   *  system string is optional and deprecated). */
  private geometry(name: string, args: Expr[], nameTok: Token, argCountError: (want: string) => AdqlError): Expr {
    const span = nameTok.span;
    const pointOf = (x: Expr, y: Expr): Expr => ({ kind: 'point', coordsys: undefined, x, y, span: x.span });
    const needPoint = (e: Expr): Expr => {
      if (!isPointLike(e)) throw new AdqlError('SYNTAX', `${name} needs a point here (POINT(...), CENTROID(...) or a point column)`, e.span, { expected: 'a point' });
      return e;
    };
    const a = (i: number): Expr => args[i] as Expr;
    switch (name) {
      case 'POINT':
        if (args.length === 3) return { kind: 'point', coordsys: a(0), x: a(1), y: a(2), span };
        if (args.length === 2) return { kind: 'point', coordsys: undefined, x: a(0), y: a(1), span };
        throw argCountError('[coordsys,] longitude, latitude');
      case 'CIRCLE':
        if (args.length === 4) return { kind: 'circle', coordsys: a(0), center: pointOf(a(1), a(2)), radius: a(3), span };
        if (args.length === 3) {
          if (isCoordsysLike(a(0))) return { kind: 'circle', coordsys: a(0), center: needPoint(a(1)), radius: a(2), span };
          return { kind: 'circle', coordsys: undefined, center: pointOf(a(0), a(1)), radius: a(2), span };
        }
        if (args.length === 2) return { kind: 'circle', coordsys: undefined, center: needPoint(a(0)), radius: a(1), span };
        throw argCountError('[coordsys,] centre (a point or longitude, latitude) and radius');
      case 'BOX':
        if (args.length === 5) return { kind: 'box', coordsys: a(0), center: pointOf(a(1), a(2)), width: a(3), height: a(4), span };
        if (args.length === 4) {
          if (isCoordsysLike(a(0))) return { kind: 'box', coordsys: a(0), center: needPoint(a(1)), width: a(2), height: a(3), span };
          return { kind: 'box', coordsys: undefined, center: pointOf(a(0), a(1)), width: a(2), height: a(3), span };
        }
        if (args.length === 3) return { kind: 'box', coordsys: undefined, center: needPoint(a(0)), width: a(1), height: a(2), span };
        throw argCountError('[coordsys,] centre, width and height');
      case 'POLYGON': {
        let rest = args;
        let coordsys: Expr | undefined;
        if (args.length > 0 && isCoordsysLike(a(0))) {
          coordsys = a(0);
          rest = args.slice(1);
        }
        const anyPointNode = rest.some((e) => stripParens(e).kind === 'point' || isCallNamed(e, 'CENTROID'));
        if (!anyPointNode && rest.length >= 6 && rest.length % 2 === 0) {
          const vertices: Expr[] = [];
          for (let i = 0; i < rest.length; i += 2) vertices.push(pointOf(rest[i] as Expr, rest[i + 1] as Expr));
          return { kind: 'polygon', coordsys, vertices, span };
        }
        if (rest.length >= 3 && rest.every(isPointLike)) return { kind: 'polygon', coordsys, vertices: rest, span };
        if (rest.length >= 3 && !anyPointNode && rest.length % 2 === 1 && rest.length >= 5) {
          throw argCountError('an even number of coordinates (longitude, latitude pairs)');
        }
        throw argCountError('at least three vertices (points or longitude, latitude pairs)');
      }
      case 'REGION':
        if (args.length !== 1) throw argCountError('1 argument');
        return { kind: 'region', arg: a(0), span };
      case 'DISTANCE':
        if (args.length === 2) {
          needPoint(a(0));
          needPoint(a(1));
        } else if (args.length !== 4) throw argCountError('two points or four coordinates');
        return { kind: 'call', name, prefix: undefined, written: nameTok.text, args, distinct: false, star: false, builtin: true, span };
      default:
        throw new AdqlError('SYNTAX', `unknown function ${name}`, span);
    }
  }
}

function stripParens(e: Expr): Expr {
  return e.kind === 'paren' ? stripParens(e.expr) : e;
}

function isCallNamed(e: Expr, name: string): boolean {
  const s = stripParens(e);
  return s.kind === 'call' && s.name === name && s.builtin;
}

/** A coordinate-system argument: a string literal or NULL (ADQL §4.2.3, deprecated but allowed). */
function isCoordsysLike(e: Expr): boolean {
  const s = stripParens(e);
  return s.kind === 'string' || s.kind === 'null';
}

/** Could this expression be a point (ADQL <coord_value>: a point function or a column reference)? */
function isPointLike(e: Expr): boolean {
  const s = stripParens(e);
  switch (s.kind) {
    case 'point':
    case 'column':
    case 'subquery':
    case 'case':
    case 'cast':
      return true;
    case 'call':
      return !s.builtin || s.name === 'CENTROID' || s.name === 'COALESCE' || s.name === 'NULLIF';
    default:
      return false;
  }
}

/** Conditions, plus what ADQL lets stand as a boolean primary: user-defined functions (ADQL §4.3). */
function isConditionLike(e: Expr): boolean {
  if (isCondition(e)) return true;
  const s = stripParens(e);
  return (s.kind === 'call' && !s.builtin) || s.kind === 'boolean';
}

function notACondition(e: Expr, near: Token, what: string): AdqlError {
  const s = stripParens(e);
  const hint =
    s.kind === 'call' && (s.name === 'CONTAINS' || s.name === 'INTERSECTS')
      ? `${s.name} returns 0 or 1: write 1 = ${s.name}(...)`
      : 'write a comparison, BETWEEN, LIKE, IN, IS NULL or EXISTS';
  return new AdqlError('SYNTAX', `expected ${what}, found a value`, e.span ?? near.span, {
    token: near.text,
    expected: what,
    hint,
  });
}

function reservedWordError(t: Token, what: string): AdqlError {
  return new AdqlError('RESERVED_WORD', `${t.value} is a reserved word and cannot be used as a name`, t.span, {
    token: t.text,
    expected: what,
    hint: `${t.value} is a reserved word; write "${t.text.toLowerCase()}" to use it as a column name`,
  });
}
