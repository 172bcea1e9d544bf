/** The benchmarks' structured logs on stderr: warnings and errors by default (XTAP_BENCH_LOG_LEVEL=info shows the
 *  loader's own logs, e.g. COPY and index times), and the progress of their long ingest and classification steps,
 *  which shows at any level (a bar on a terminal, a progress log line every 2 s otherwise). */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createProgress } from '../ingest/index.js';
import type { Progress } from '../ingest/index.js';

export function benchLogger(): Logger {
  return pino({ name: 'xtap-bench', level: process.env.XTAP_BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
}

/** A new Progress for one ingest or classification run (progress lines are info records of their own logger). */
export function benchProgress(): Progress {
  return createProgress(pino({ name: 'xtap-bench', level: 'info' }, pino.destination(2)));
}
