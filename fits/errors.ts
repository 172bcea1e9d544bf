/** FitsError: the one error class of fits/. Every structural problem in a file becomes one of these, with a
 *  stable code (listed in fits/README.md) and, where known, the HDU, keyword and column it concerns, so the
 *  ingest edge can turn it into an IngestError without parsing the message. */

/** Stable error codes; fits/README.md documents each one. */
export type FitsErrorCode =
  | 'EMPTY_FILE'
  | 'NOT_FITS'
  | 'TRUNCATED_HEADER'
  | 'BAD_CARD'
  | 'MISSING_KEYWORD'
  | 'BAD_KEYWORD'
  | 'TRUNCATED_DATA'
  | 'BAD_TFORM'
  | 'UNSUPPORTED_TFORM'
  | 'ROW_SIZE_MISMATCH'
  | 'NO_SUCH_HDU'
  | 'NO_SUCH_COLUMN'
  | 'NOT_A_TABLE'
  | 'NOT_NUMERIC'
  | 'NO_EVENTS_HDU'
  | 'MISSING_EVENT_COLUMN'
  | 'BAD_GTI';

/** Where in the file the problem is: 0-based HDU index (0 = primary), keyword, column name. */
export interface FitsErrorPlace {
  hdu?: number;
  keyword?: string;
  column?: string;
}

export class FitsError extends Error {
  readonly code: FitsErrorCode;
  readonly hdu?: number;
  readonly keyword?: string;
  readonly column?: string;

  constructor(code: FitsErrorCode, message: string, place: FitsErrorPlace = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FitsError';
    this.code = code;
    this.hdu = place.hdu;
    this.keyword = place.keyword;
    this.column = place.column;
  }
}
