/** Why a mirror stopped: the remote service (unreachable, not TAP, refused the query) or the request itself. */
export type MirrorErrorCode = 'UNREACHABLE' | 'NOT_TAP' | 'REMOTE_ERROR' | 'UNKNOWN_TABLE' | 'MISSING_COLUMNS' | 'TOO_DENSE' | 'STATE';

export class MirrorError extends Error {
  constructor(
    readonly code: MirrorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MirrorError';
  }
}
