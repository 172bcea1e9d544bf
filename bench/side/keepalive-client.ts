/** The client of the small-query benchmarks (TOP 1, cones, /live): node:http with one keep-alive agent, the same for
 *  every server measured. Why not fetch: undici's WHATWG layer (Headers, streams, AbortSignals per request) cost this
 *  process 0.3–0.5 ms more CPU per request than node:http on the same TOP 1 (interleaved blocks of 1500 requests,
 *  18:17 UTC 2026-12-03), and in a sequential or 8-client loop on 2 cores that client CPU is added to every server's
 *  latency and competes with the servers for the cores. Downloads keep fetch: their cost is per byte, not per request. */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

export interface Answer {
  status: number;
  body: string;
}

/** A request on a reused idle socket that the server (or a stopped server of an earlier phase) closed meanwhile fails
 *  with ECONNRESET before any answer: that one is retried once on a fresh socket, as Node's http docs advise. */
async function send(url: string, method: 'GET' | 'POST', form?: URLSearchParams): Promise<Answer> {
  const payload = form ? Buffer.from(form.toString()) : undefined;
  try {
    return await sendOnce(url, method, payload);
  } catch (err) {
    if ((err as { staleSocket?: boolean }).staleSocket) return sendOnce(url, method, payload);
    throw err;
  }
}

function sendOnce(url: string, method: 'GET' | 'POST', payload: Buffer | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: payload ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => reject(req.reusedSocket && err.code === 'ECONNRESET' ? Object.assign(err, { staleSocket: true }) : err));
    req.end(payload);
  });
}

/** POST an application/x-www-form-urlencoded body; the whole answer as text. */
export const postForm = (url: string, form: URLSearchParams): Promise<Answer> => send(url, 'POST', form);

export const get = (url: string): Promise<Answer> => send(url, 'GET');
