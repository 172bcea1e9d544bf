/** Who owns an anonymous UWS job, and who may act on it. There are no accounts yet, so a job belongs to an
 *  owner token: a random secret minted when a client without one creates a job, returned both as a cookie
 *  (HttpOnly, SameSite=Strict: browsers and pyvo/requests sessions send it back by themselves) and in the
 *  X-Owner-Token response header (for scripts and cross-origin web clients, which send it back as a header).
 *  The database keeps only a hash of it.
 *
 *  - The job list shows only the caller's own jobs: without a token it is empty, so job ids (20 random hex
 *    digits) cannot be discovered.
 *  - Reading a job and its result needs only its URL (a capability URL, as returned at creation): clients that
 *    keep no cookies (STILTS, TOPCAT, curl) and shared result links go on working.
 *  - Changing a job (DELETE, ACTION=DELETE, PHASE, parameters, execution duration, destruction) needs the owner
 *    token when the request carries one, and is refused to browsers without it: a request with an Origin header
 *    from another site and no matching token is a cross-site request (a form posting ACTION=DELETE), never the
 *    job's owner. A client without cookies and without an Origin header (STILTS, TOPCAT, taplint, curl) changes
 *    the job whose capability URL it holds, as UWS 1.1 clients expect: requiring the token there breaks their
 *    DELETE and ABORT (taplint's UWS stage fails with 403). Pure except for the crypto helpers. */
import { createHash, randomBytes } from 'node:crypto';

export const OWNER_TOKEN_HEADER = 'X-Owner-Token';
export const OWNER_COOKIE = 'xtap_owner';
const TOKEN = /^[A-Za-z0-9_-]{32,64}$/;
const ANON_PREFIX = 'anon:';

export function mintOwnerToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The owner id stored for a token: never the token itself. */
export function ownerIdOfToken(token: string): string {
  return ANON_PREFIX + createHash('sha256').update(token).digest('hex').slice(0, 40);
}

/** True for owner ids that identify a token holder rather than an authenticated person. */
export function isTokenOwner(ownerId: string): boolean {
  return ownerId.startsWith(ANON_PREFIX);
}

/** The token a request carries: the header first, then the cookie; malformed values count as none. */
export function requestOwnerToken(header: string | undefined, cookie: string | undefined): string | undefined {
  for (const v of [header, cookie]) {
    const t = v?.trim();
    if (t && TOKEN.test(t)) return t;
  }
  return undefined;
}

export interface ChangeRequest {
  /** Owner id of the caller (authenticated, or of its token); '' without either. */
  callerOwnerId: string;
  /** The request carried an owner token or authentication. */
  identified: boolean;
  /** The Origin header, if any. */
  origin: string | undefined;
  /** Origin of this service (scheme://host[:port]). */
  selfOrigin: string;
}

export type ChangeDecision = { allowed: true } | { allowed: false; reason: string };

/** May this request change (run, abort, modify, delete) a job owned by `jobOwnerId`? */
export function mayChangeJob(jobOwnerId: string, req: ChangeRequest): ChangeDecision {
  if (req.identified) {
    return req.callerOwnerId === jobOwnerId
      ? { allowed: true }
      : { allowed: false, reason: `this job belongs to another owner: send the ${OWNER_TOKEN_HEADER} header (or cookie) returned when the job was created` };
  }
  if (!isTokenOwner(jobOwnerId) && jobOwnerId !== '') {
    return { allowed: false, reason: 'this job belongs to an authenticated owner' };
  }
  if (req.origin !== undefined && req.origin !== req.selfOrigin) {
    return { allowed: false, reason: `a cross-site request (Origin ${req.origin}) cannot change a job without its ${OWNER_TOKEN_HEADER} header` };
  }
  return { allowed: true };
}
