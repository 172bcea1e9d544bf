/** The one error class of votable/: a stable code a program can switch on, plus the row and field where a
 *  document went wrong. Codes are listed (with the spec rule each enforces) in votable/README.md, like
 *  astropy's W/E list; messages read `E09: row 3, field "obsid": …`. */

/** Stable error codes; see votable/README.md for the meaning and spec reference of each. */
export type VotableErrorCode =
  | 'E01' // not well-formed XML
  | 'E02' // root element is not VOTABLE
  | 'E03' // FIELD/PARAM datatype missing or unknown
  | 'E04' // bad arraysize
  | 'E05' // unsupported DATA: FITS, STREAM href, non-base64 encoding
  | 'E06' // bad base64 in a STREAM
  | 'E07' // binary stream ends inside a row
  | 'E08' // TABLEDATA cell cannot be parsed for its datatype
  | 'E09' // TR with more or fewer TDs than FIELDs
  | 'E10' // fixed-size array with the wrong number of elements
  | 'E11' // bad VALUES null for the datatype
  | 'E12'; // beyond a limit of the reader (FIELDs, rows)

export class VotableError extends Error {
  readonly code: VotableErrorCode;
  /** 1-based row number within the table, where known. */
  readonly row: number | undefined;
  /** FIELD name, where known. */
  readonly field: string | undefined;

  constructor(code: VotableErrorCode, message: string, where: { row?: number; field?: string; cause?: unknown } = {}) {
    const loc = [where.row !== undefined ? `row ${where.row}` : '', where.field !== undefined ? `field "${where.field}"` : '']
      .filter((s) => s !== '')
      .join(', ');
    super(`${code}: ${loc ? `${loc}: ` : ''}${message}`, where.cause !== undefined ? { cause: where.cause } : undefined);
    this.name = 'VotableError';
    this.code = code;
    this.row = where.row;
    this.field = where.field;
  }
}
