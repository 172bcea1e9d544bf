/** RepresentationError: the one error class of ml/representations/ (bad arguments to the pure functions).
 *  Codes are listed in ml/representations/README.md. */

export type RepresentationErrorCode = 'BAD_ARGUMENT' | 'LENGTH_MISMATCH' | 'BAD_EDGES' | 'BAD_GTI';

export class RepresentationError extends Error {
  readonly code: RepresentationErrorCode;

  constructor(code: RepresentationErrorCode, message: string) {
    super(message);
    this.name = 'RepresentationError';
    this.code = code;
  }
}
