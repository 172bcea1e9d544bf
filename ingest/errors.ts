/** IngestError: a load failure that says where (file, row, column) so a person can fix the input. */
export class IngestError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly row?: number;
  readonly column?: string;

  constructor(code: string, message: string, where: { file?: string; row?: number; column?: string } = {}, options?: { cause?: unknown }) {
    const place = [where.file, where.row !== undefined ? `row ${where.row}` : undefined, where.column ? `column ${where.column}` : undefined]
      .filter(Boolean)
      .join(', ');
    super(place ? `${place}: ${message}` : message, options);
    this.name = 'IngestError';
    this.code = code;
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
  }
}
