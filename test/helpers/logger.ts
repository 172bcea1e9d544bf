/** A silent pino logger for tests, with the warnings it received kept for assertions. */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Writable } from 'node:stream';

export function testLogger(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  return { log, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
