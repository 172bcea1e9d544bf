/** Where a DALI error message points in the query: xtap's ADQL errors read "line L, column C: …" (1-based). Pure. */
export interface ErrorPosition {
  line: number;
  column: number;
}

export function errorPosition(message: string): ErrorPosition | undefined {
  const m = /\bline (\d+),? column (\d+)/i.exec(message);
  if (!m) return undefined;
  return { line: Number(m[1]), column: Number(m[2]) };
}

/** The 0-based offset of a 1-based line/column in a text, clamped to the text (a column past the end of its line
 *  points at the line's end). */
export function offsetOf(text: string, pos: ErrorPosition): number {
  const lines = text.split('\n');
  const line = Math.min(Math.max(pos.line, 1), lines.length);
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += (lines[i] as string).length + 1;
  const len = (lines[line - 1] as string).length;
  return offset + Math.min(Math.max(pos.column - 1, 0), len);
}
