/** Errors a request can end in, and their HTTP status. Only these errors show their message to the client; any
 *  other error becomes "internal error" with an id whose stack is logged (server/error-middleware.ts). */
export type DaliErrorCode =
  | 'BAD_PARAMETER'
  | 'MISSING_PARAMETER'
  | 'UNSUPPORTED'
  | 'QUERY_INVALID'
  | 'UPLOAD_INVALID'
  | 'TOO_LARGE'
  | 'NOT_FOUND'
  | 'NOT_ALLOWED'
  | 'TIMEOUT'
  | 'UNAVAILABLE';

const STATUS: Record<DaliErrorCode, number> = {
  BAD_PARAMETER: 400,
  MISSING_PARAMETER: 400,
  UNSUPPORTED: 400,
  QUERY_INVALID: 400,
  UPLOAD_INVALID: 400,
  TOO_LARGE: 413,
  NOT_FOUND: 404,
  NOT_ALLOWED: 405,
  TIMEOUT: 408,
  UNAVAILABLE: 503,
};

export class DaliError extends Error {
  readonly code: DaliErrorCode;
  readonly status: number;
  readonly expose = true;
  constructor(code: DaliErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = 'DaliError';
    this.code = code;
    this.status = options?.status ?? STATUS[code];
  }
}
