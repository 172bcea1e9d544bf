/** Spooling of sync downloads whose client is slower than the database. A sync result streams straight from
 *  the database to the client while the client keeps up. Once the response has waited on its client for
 *  `afterMs` in total (or at its first wait when `pacedLimit` downloads already hold a connection at their
 *  client's pace), the rest of the already-encoded document is written to a temporary file as fast as the
 *  database produces it, the database connection is released when the source ends, and the client is served
 *  from the file. So a few slow readers cannot hold the query pool: short queries keep `poolSize - pacedLimit`
 *  connections. The file is unlinked as soon as it is opened (nothing is left behind if the process dies) and
 *  closed when the download ends or the client leaves. Spool disk of all downloads together is bounded by
 *  `maxBytes`: when full (or the disk fails), the download goes on from the database at its client's pace, as
 *  without spooling, and the event is logged. */
import { mkdirSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export interface SpoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SpoolOptions {
  dir: string;
  /** Total time (ms) a download may wait on its client before it is spooled. */
  afterMs: number;
  /** Spool bytes of all downloads together. */
  maxBytes: number;
  /** Downloads that may stream at their client's pace (holding a connection) at once. */
  pacedLimit: number;
  log?: SpoolLog;
}

export interface SpoolStats {
  /** Downloads currently streaming at their client's pace from the database. */
  paced: number;
  /** Spool bytes in use. */
  bytes: number;
  /** Downloads spooled since start. */
  spooled: number;
}

/** Bytes kept in memory between the database and a client that keeps up. */
const MEMORY_BYTES = 256 * 1024;
const READ_BYTES = 64 * 1024;

type Segment =
  | { kind: 'mem'; chunks: Uint8Array[] }
  | { kind: 'file'; fh: FileHandle; written: number; readPos: number; reserved: number };

export class Spooler {
  private paced = 0;
  private bytes = 0;
  private spooled = 0;
  private dirReady = false;

  constructor(private readonly opts: SpoolOptions) {}

  stats(): SpoolStats {
    return { paced: this.paced, bytes: this.bytes, spooled: this.spooled };
  }

  /** The response body for `source` (already-encoded bytes). Destroying the stream stops the source. */
  stream(source: AsyncIterator<Uint8Array>): Readable {
    return Readable.from(this.serve(source), { objectMode: false });
  }

  private async *serve(source: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
    const opts = this.opts;
    const segments: Segment[] = [{ kind: 'mem', chunks: [] }];
    let memBytes = 0;
    let producerDone = false;
    let producerError: unknown;
    let stopped = false;
    let holdsSlot = false;
    // One waiter per side: the consumer waits for data, the producer for room.
    let wakeConsumer: (() => void) | undefined;
    let wakeProducer: (() => void) | undefined;
    const notifyConsumer = () => {
      const w = wakeConsumer;
      wakeConsumer = undefined;
      w?.();
    };
    const notifyProducer = () => {
      const w = wakeProducer;
      wakeProducer = undefined;
      w?.();
    };
    const releaseSlot = () => {
      if (holdsSlot) {
        holdsSlot = false;
        this.paced--;
      }
    };
    const closeFile = async (seg: Segment) => {
      if (seg.kind !== 'file') return;
      this.bytes -= seg.reserved;
      seg.reserved = 0;
      await seg.fh.close().catch(() => undefined);
    };

    /** Waits until the consumer takes data or `ms` pass; true when it took data. */
    const roomOrTimeout = (ms: number) =>
      new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          wakeProducer = undefined;
          resolve(false);
        }, Math.max(0, ms));
        wakeProducer = () => {
          clearTimeout(t);
          resolve(true);
        };
      });

    const openSpoolFile = async (): Promise<Segment | undefined> => {
      try {
        if (!this.dirReady) {
          mkdirSync(opts.dir, { recursive: true });
          this.dirReady = true;
        }
        const path = join(opts.dir, `xtap-spool-${process.pid}-${randomBytes(6).toString('hex')}`);
        const fh = await open(path, 'w+', 0o600);
        await unlink(path).catch(() => undefined);
        return { kind: 'file', fh, written: 0, readPos: 0, reserved: 0 };
      } catch (err) {
        opts.log?.warn({ err: (err as Error).message, dir: opts.dir }, 'spool: cannot open a spool file; the download keeps its connection');
        return undefined;
      }
    };

    const produce = async () => {
      let blockedMs = 0;
      let spooling = false;
      let spoolRefused = false;
      try {
        for (;;) {
          if (stopped) return;
          const r = await source.next();
          if (r.done || stopped) return;
          const chunk = r.value;
          const tail = segments[segments.length - 1] as Segment;
          if (spooling && tail.kind === 'file') {
            if (this.bytes + chunk.length <= opts.maxBytes) {
              try {
                this.bytes += chunk.length;
                tail.reserved += chunk.length;
                await tail.fh.write(chunk, 0, chunk.length, tail.written);
                tail.written += chunk.length;
                notifyConsumer();
                continue;
              } catch (err) {
                opts.log?.warn({ err: (err as Error).message }, 'spool: writing the spool file failed; the rest of the download keeps its connection');
              }
            } else {
              opts.log?.warn({ maxBytes: opts.maxBytes }, 'spool: XTAP_SPOOL_MAX_BYTES reached; the rest of the download keeps its connection');
            }
            // Out of spool room: the rest goes through memory again, at the client's pace.
            spooling = false;
            spoolRefused = true;
            segments.push({ kind: 'mem', chunks: [] });
          }
          const mem = segments[segments.length - 1] as Extract<Segment, { kind: 'mem' }>;
          mem.chunks.push(chunk);
          memBytes += chunk.length;
          notifyConsumer();
          while (memBytes > MEMORY_BYTES && !stopped) {
            // The client is behind the database.
            if (!spoolRefused && !holdsSlot) {
              if (this.paced < opts.pacedLimit) {
                holdsSlot = true;
                this.paced++;
              } else {
                spooling = true;
                break;
              }
            }
            if (spoolRefused) {
              await roomOrTimeout(60_000);
              continue;
            }
            const t0 = performance.now();
            const took = await roomOrTimeout(opts.afterMs - blockedMs);
            blockedMs += performance.now() - t0;
            if (!took && blockedMs >= opts.afterMs) {
              spooling = true;
              break;
            }
          }
          if (spooling && tail.kind !== 'file') {
            const file = await openSpoolFile();
            if (file) {
              segments.push(file);
              this.spooled++;
              releaseSlot();
              opts.log?.info({ waitedMs: Math.round(blockedMs), paced: this.paced }, 'spool: the client is slower than the database; spooling the rest of the download');
            } else {
              spooling = false;
              spoolRefused = true;
            }
          }
        }
      } catch (err) {
        producerError = err;
      } finally {
        producerDone = true;
        releaseSlot();
        notifyConsumer();
      }
    };

    const producing = produce();
    try {
      for (;;) {
        const head = segments[0];
        if (head === undefined) break;
        const last = segments.length === 1;
        if (head.kind === 'mem') {
          const chunk = head.chunks.shift();
          if (chunk !== undefined) {
            memBytes -= chunk.length;
            notifyProducer();
            yield chunk;
            continue;
          }
        } else if (head.readPos < head.written) {
          const n = Math.min(READ_BYTES, head.written - head.readPos);
          const buf = Buffer.allocUnsafe(n);
          const { bytesRead } = await head.fh.read(buf, 0, n, head.readPos);
          head.readPos += bytesRead;
          yield bytesRead === n ? buf : buf.subarray(0, bytesRead);
          continue;
        }
        // The head segment is empty for now.
        if (!last) {
          await closeFile(segments.shift() as Segment);
          continue;
        }
        if (producerDone) break;
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
      }
      if (producerError !== undefined) throw producerError;
    } finally {
      stopped = true;
      notifyProducer();
      if (!producerDone) await source.return?.().catch(() => undefined);
      await producing;
      for (const seg of segments.splice(0)) await closeFile(seg);
    }
  }
}
