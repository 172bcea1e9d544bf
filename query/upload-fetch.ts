/** Fetches an UPLOAD by http(s) URL without letting the request reach the service's own network (SSRF): the
 *  host name is resolved by our own lookup, every resolved address is checked (upload-address.ts) and the
 *  connection is made to the checked address only (no second resolution, so no DNS rebinding); redirects are
 *  followed by hand, at most MAX_REDIRECTS, each target checked the same way. One deadline covers connection,
 *  redirects and body; the body is cut off at the size limit (a larger Content-Length is refused at once).
 *  Hosts on the allow-list (XTAP_UPLOAD_ALLOW_HOSTS, for tests) skip the address check only. */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOneOptions, LookupAllOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { DaliError } from './errors.js';
import { isAllowedHost, refusedRange } from './upload-address.js';

export const MAX_REDIRECTS = 3;

export interface UploadFetchLimits {
  maxBytes: number;
  timeoutMs: number;
  allowHosts: ReadonlyArray<string>;
}

/** A refused destination; becomes UPLOAD_INVALID. */
class RefusedAddress extends Error {}

function refusal(uri: string, host: string, address: string, range: string): RefusedAddress {
  return new RefusedAddress(
    `UPLOAD URL ${uri}: ${host} resolves to ${address}, a ${range} address; this service fetches uploads only from public internet addresses (not loopback, private, link-local, unique-local, multicast or reserved ones)`,
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A net.connect lookup that resolves, keeps only public addresses, and hands exactly those to the socket. */
function checkedLookup(uri: string): (hostname: string, options: LookupOneOptions | LookupAllOptions, cb: LookupCallback) => void {
  return (hostname, options, cb) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return cb(err, '');
      const refused = addresses.map((a) => ({ a, range: refusedRange(a.address) }));
      const bad = refused.find((r) => r.range !== undefined);
      // One non-public address is enough to refuse: a name that mixes them is an attack or a misconfiguration.
      if (bad || addresses.length === 0) {
        return cb(bad ? refusal(uri, hostname, bad.a.address, bad.range as string) : new RefusedAddress(`UPLOAD URL ${uri}: ${hostname} has no address`), '');
      }
      if (options.all) cb(null, addresses);
      else cb(null, (addresses[0] as LookupAddress).address, (addresses[0] as LookupAddress).family);
    });
  };
}

function get(url: URL, uri: string, allowed: boolean, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'GET',
      agent: false,
      signal,
      headers: { 'user-agent': 'xtap TAP_UPLOAD', accept: 'application/x-votable+xml, text/xml, */*' },
      ...(allowed ? {} : { lookup: checkedLookup(uri) as never }),
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

async function readLimited(res: IncomingMessage, uri: string, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  const tooLarge = () => new DaliError('TOO_LARGE', `UPLOAD ${uri} is larger than the upload limit of ${maxBytes} bytes`);
  if (declared > maxBytes) {
    res.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      res.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Checks scheme and (for an address literal) the address of one URL of the chain. */
function checkUrl(url: URL, uri: string, allowHosts: ReadonlyArray<string>): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DaliError('UPLOAD_INVALID', `UPLOAD URL ${uri} leads to ${url.protocol} URL; only http and https are fetched`);
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (isAllowedHost(url.hostname, port, allowHosts)) return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Sockets skip the lookup for address literals, so those are checked here.
  if (isIP(host)) {
    const range = refusedRange(host);
    if (range !== undefined) throw new DaliError('UPLOAD_INVALID', refusal(uri, host, host, range).message);
  }
  return false;
}

/** The body of an http(s) UPLOAD URL, within the limits. */
export async function fetchUploadUrl(uri: string, limits: UploadFetchLimits): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new DaliError('UPLOAD_INVALID', `UPLOAD URL "${uri}" is not a valid URL`);
  }
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      const allowed = checkUrl(url, uri, limits.allowHosts);
      const res = await get(url, uri, allowed, signal);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.resume();
        if (hop >= MAX_REDIRECTS) throw new DaliError('UPLOAD_INVALID', `UPLOAD URL ${uri} redirects more than ${MAX_REDIRECTS} times`);
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new DaliError('UPLOAD_INVALID', `UPLOAD URL ${uri} answered HTTP ${status}`);
      }
      return await readLimited(res, uri, limits.maxBytes);
    }
  } catch (err) {
    if (err instanceof DaliError) throw err;
    if (err instanceof RefusedAddress) throw new DaliError('UPLOAD_INVALID', err.message);
    if (signal.aborted) throw new DaliError('UPLOAD_INVALID', `UPLOAD URL ${uri} did not answer within the upload time limit of ${limits.timeoutMs / 1000} s`);
    throw new DaliError('UPLOAD_INVALID', `cannot fetch UPLOAD URL ${uri}: ${(err as Error).message}`, { cause: err });
  }
}
