/** The HTTP listener of the service: node:http with a configurable request-head limit (maxHeaderSize,
 *  XTAP_REQUEST_MAX_HEADER_BYTES) and answers for requests Node rejects before the application sees them
 *  (`clientError`): a head over the limit gets 431, a malformed request 400, a request head that took too long
 *  408 — each with a DALI error document instead of Node's bare status line. */
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { errorVotable } from '../votable/error-document.js';
import { SERVER_HEADER } from './http-hardening.js';

export interface HttpServerOptions {
  maxHeaderBytes: number;
  log?: { debug(obj: object, msg: string): void };
}

/** Status and message for an error the HTTP parser raised (err.code from llhttp or node:http). Pure. */
export function clientErrorResponse(code: string | undefined, maxHeaderBytes: number): { status: number; reason: string; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      message: `the request line and headers are larger than this service accepts (${maxHeaderBytes} bytes, XTAP_REQUEST_MAX_HEADER_BYTES); send long queries in a POST body`,
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, reason: 'Request Timeout', message: 'the request was not received in time' };
  }
  return { status: 400, reason: 'Bad Request', message: `malformed HTTP request${code ? ` (${code})` : ''}` };
}

/** The raw response written on the socket (the request never reached Koa, so no middleware runs). */
export function rawErrorResponse(status: number, reason: string, message: string): string {
  const body = errorVotable(message);
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/x-votable+xml; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Server: ${SERVER_HEADER}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export function createHttpServer(app: Koa, opts: HttpServerOptions): Server {
  const server = createServer({ maxHeaderSize: opts.maxHeaderBytes }, app.callback());
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    opts.log?.debug({ code: err.code }, 'malformed request refused');
    // Nothing can be said on a socket that is gone or a response that has started.
    const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || started) {
      socket.destroy();
      return;
    }
    const { status, reason, message } = clientErrorResponse(err.code, opts.maxHeaderBytes);
    socket.end(rawErrorResponse(status, reason, message));
  });
  return server;
}
