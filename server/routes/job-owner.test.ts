import { describe, expect, it } from 'vitest';
import { isTokenOwner, mayChangeJob, mintOwnerToken, ownerIdOfToken, requestOwnerToken } from './job-owner.js';

const SELF = 'https://tap.example';

describe('owner tokens', () => {
  it('mints distinct tokens whose stored id is a hash, never the token', () => {
    const a = mintOwnerToken();
    const b = mintOwnerToken();
    expect(a).not.toBe(b);
    expect(requestOwnerToken(a, undefined)).toBe(a);
    expect(ownerIdOfToken(a)).toBe(ownerIdOfToken(a));
    expect(ownerIdOfToken(a)).not.toContain(a);
    expect(isTokenOwner(ownerIdOfToken(a))).toBe(true);
    expect(isTokenOwner('')).toBe(false);
  });

  it('takes the header before the cookie and ignores malformed values', () => {
    const t = mintOwnerToken();
    expect(requestOwnerToken(undefined, t)).toBe(t);
    expect(requestOwnerToken('short', t)).toBe(t);
    expect(requestOwnerToken('bad token with spaces and more than 32 chars', undefined)).toBeUndefined();
  });
});

describe('mayChangeJob', () => {
  const owner = ownerIdOfToken(mintOwnerToken());
  it('lets the token holder change its job from anywhere', () => {
    expect(mayChangeJob(owner, { callerOwnerId: owner, identified: true, origin: 'https://other.example', selfOrigin: SELF })).toEqual({ allowed: true });
  });
  it('refuses another token holder', () => {
    expect(mayChangeJob(owner, { callerOwnerId: ownerIdOfToken(mintOwnerToken()), identified: true, origin: undefined, selfOrigin: SELF }).allowed).toBe(false);
  });
  it('refuses a cross-site request without the token, including Origin: null', () => {
    for (const origin of ['https://evil.example', 'null']) {
      expect(mayChangeJob(owner, { callerOwnerId: '', identified: false, origin, selfOrigin: SELF }).allowed).toBe(false);
    }
  });
  it('lets a client without cookies act on the job URL it holds (no Origin, or our own): STILTS, taplint, curl', () => {
    for (const origin of [undefined, SELF]) {
      expect(mayChangeJob(owner, { callerOwnerId: '', identified: false, origin, selfOrigin: SELF }).allowed).toBe(true);
    }
  });
  it('keeps an authenticated owner’s job to that owner', () => {
    expect(mayChangeJob('alice', { callerOwnerId: '', identified: false, origin: undefined, selfOrigin: SELF }).allowed).toBe(false);
  });
});
