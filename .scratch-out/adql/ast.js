/** Exhaustiveness guard: adding a node kind breaks the build until every switch handles it. */
export function assertNever(x) {
    throw new Error(`unhandled AST node: ${JSON.stringify(x)}`);
}
/** Expressions that are conditions (predicates and their boolean combinations). */
export function isCondition(e) {
    switch (e.kind) {
        case 'compare':
        case 'logical':
        case 'not':
        case 'between':
        case 'like':
        case 'in':
        case 'inQuery':
        case 'isNull':
        case 'exists':
        case 'boolean':
            return true;
        case 'paren':
            return isCondition(e.expr);
        default:
            return false;
    }
}
