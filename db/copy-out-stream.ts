/** `COPY … TO STDOUT` for node-postgres: a Submittable Readable of the COPY data, as pg-copy-streams' `to`, but
 *  without a Buffer per row. PostgreSQL sends one CopyData message per row (~500 bytes for the 48-column bulk
 *  download); pg-copy-streams slices each message's content out and concatenates the slices again for every
 *  push (two Buffer objects and a copy per row, ~10 % of the bulk path's CPU). Here each socket chunk is
 *  compacted in place: the 5-byte message headers are cut out by moving the content down (copyWithin), and the
 *  chunk's front is pushed as it is. The socket chunks are this stream's alone while the COPY runs (the
 *  connection's own 'data' listener is detached), so writing into them is safe.
 *
 *  The protocol handling follows pg-copy-streams 7.0 copy-to.js (MIT): take the connection's socket over on
 *  submit, give it back (with the bytes not consumed) on CopyDone, on any terminating message, or on an
 *  ErrorResponse, which node-postgres then parses and reports through handleError. Spec: PostgreSQL 15 protocol
 *  §55.2.6 (COPY out), §55.7 (CopyData 'd', CopyDone 'c', CopyOutResponse 'H'; ErrorResponse 'E'; NoticeResponse
 *  'N', NotificationResponse 'A' and ParameterStatus 'S' may be interspersed). */
import { Readable, type ReadableOptions } from 'node:stream';

const ERROR_RESPONSE = 0x45;
const COPY_OUT_RESPONSE = 0x48;
const COPY_DATA = 0x64;
const NOTIFICATION_RESPONSE = 0x41;
const NOTICE_RESPONSE = 0x4e;
const PARAMETER_STATUS = 0x53;

/** The parts of node-postgres' Connection this stream uses. */
interface PgConnection {
  stream: Readable;
  query(text: string): void;
}

type DataHandler = (chunk: Buffer) => void;

export class CopyOutStream extends Readable {
  rowCount = 0;
  private connection: PgConnection | undefined;
  private pgDataHandler: DataHandler | undefined;
  private readonly onReadableEvent = () => this.forward();
  private drained = false;
  private forwarding = false;
  private finished = false;
  /** The current message's header bytes read so far (0–5) and its code. */
  private readonly header = Buffer.alloc(5);
  private headerLen = 0;
  private code = 0;
  /** Content bytes of the current message not read yet (valid once its header is complete). */
  private remaining = 0;

  constructor(readonly text: string, options?: ReadableOptions) {
    super(options);
  }

  /** Called by node-postgres when the query is sent. */
  submit(connection: PgConnection): void {
    this.connection = connection;
    const stream = connection.stream;
    const listeners = stream.listeners('data') as DataHandler[];
    if (listeners.length !== 1) throw new Error(`COPY TO: expected one 'data' listener on the connection, found ${listeners.length}`);
    this.pgDataHandler = listeners[0];
    stream.removeListener('data', this.pgDataHandler as DataHandler);
    stream.pause();
    this.forward();
    stream.on('readable', this.onReadableEvent);
    connection.query(this.text);
  }

  override _read(): void {
    this.drained = true;
    this.forward();
  }

  private forward(): void {
    if (this.forwarding || !this.drained || !this.connection || this.finished) return;
    this.forwarding = true;
    const stream = this.connection.stream;
    let chunk: Buffer | null;
    while (this.drained && !this.finished && (chunk = stream.read() as Buffer | null) !== null) this.drained = this.parse(chunk);
    this.forwarding = false;
  }

  /** Hands the connection back to node-postgres with the bytes from `rest` on. */
  private detach(rest: Buffer): void {
    this.finished = true;
    const stream = (this.connection as PgConnection).stream;
    stream.removeListener('readable', this.onReadableEvent);
    const handler = this.pgDataHandler as DataHandler;
    stream.addListener('data', handler);
    this.pgDataHandler = undefined;
    handler(rest);
    // The handler may have paused the stream (high-water mark); resume after it returns, as pg-copy-streams does.
    process.nextTick(() => stream.resume());
  }

  /** Compacts the CopyData content of `chunk` to its front and pushes it; returns whether more is wanted. */
  private parse(chunk: Buffer): boolean {
    const n = chunk.length;
    let p = 0;
    let w = 0;
    for (;;) {
      if (this.headerLen < 5) {
        if (p >= n) break;
        if (this.headerLen === 0 && chunk[p] === ERROR_RESPONSE) {
          // node-postgres parses the error and ends the query through handleError.
          this.detach(chunk.subarray(p));
          return false;
        }
        while (this.headerLen < 5 && p < n) this.header[this.headerLen++] = chunk[p++] as number;
        if (this.headerLen < 5) break;
        this.code = this.header[0] as number;
        this.remaining = this.header.readUInt32BE(1) - 4;
      }
      if (this.remaining > 0) {
        if (p >= n) break;
        const take = Math.min(this.remaining, n - p);
        if (this.code === COPY_DATA) {
          if (w !== p) chunk.copyWithin(w, p, p + take);
          w += take;
        }
        p += take;
        this.remaining -= take;
        if (this.remaining > 0) break;
      }
      // A whole message.
      this.headerLen = 0;
      const code = this.code;
      if (code === COPY_DATA || code === COPY_OUT_RESPONSE || code === PARAMETER_STATUS || code === NOTICE_RESPONSE || code === NOTIFICATION_RESPONSE) continue;
      // CopyDone, or any other message, ends copy-out mode.
      if (w > 0) this.push(chunk.subarray(0, w));
      this.detach(chunk.subarray(p));
      this.push(null);
      return false;
    }
    return w > 0 ? this.push(chunk.subarray(0, w)) : true;
  }

  /** node-postgres: the query failed (an ErrorResponse, or the connection ended). */
  handleError(err: Error): void {
    this.finished = true;
    this.emit('error', err);
  }

  handleCommandComplete(msg: { text?: string } | undefined): void {
    const m = /COPY (\d+)/.exec(msg?.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  handleReadyForQuery(): void {}
}

/** `client.query(copyTo(sql))` streams the COPY data of `sql` (a `COPY … TO STDOUT` statement). */
export function copyTo(sql: string, options?: ReadableOptions): CopyOutStream {
  return new CopyOutStream(sql, options);
}
