/** Progress for long ingest work: a cli-progress bar on a terminal (stderr), periodic structured log lines
 *  otherwise (CI, files, pipes). */
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';

export interface Progress {
  begin(label: string, estimatedTotal: number): void;
  advance(n: number): void;
  /** Raises the estimate when the work turned out larger. */
  estimate(total: number): void;
  end(): void;
}

export function createProgress(log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) return new BarProgress(stream);
  return new LogProgress(log);
}

class BarProgress implements Progress {
  private bar?: cliProgress.SingleBar;
  private value = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  begin(label: string, estimatedTotal: number): void {
    this.value = 0;
    this.bar = new cliProgress.SingleBar(
      { stream: this.stream, format: `${label} |{bar}| {value}/{total} rows | {eta_formatted} left`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(1, estimatedTotal), 0);
  }
  advance(n: number): void {
    this.value += n;
    this.bar?.update(this.value);
  }
  estimate(total: number): void {
    this.bar?.setTotal(Math.max(total, this.value));
  }
  end(): void {
    this.bar?.setTotal(this.value);
    this.bar?.stop();
  }
}

class LogProgress implements Progress {
  private label = '';
  private value = 0;
  private total = 0;
  private lastLog = 0;
  private started = 0;
  constructor(private readonly log: Logger) {}
  begin(label: string, estimatedTotal: number): void {
    this.label = label;
    this.value = 0;
    this.total = estimatedTotal;
    this.started = this.lastLog = Date.now();
  }
  advance(n: number): void {
    this.value += n;
    const now = Date.now();
    if (now - this.lastLog >= 2000) {
      this.lastLog = now;
      this.log.info({ task: this.label, rows: this.value, estimatedTotal: this.total, rowsPerSecond: Math.round((this.value * 1000) / (now - this.started)) }, 'progress');
    }
  }
  estimate(total: number): void {
    this.total = total;
  }
  end(): void {
    const ms = Date.now() - this.started;
    this.log.info({ task: this.label, rows: this.value, ms }, 'done');
  }
}

/** A Progress that shows nothing (tests, library use). */
export const silentProgress: Progress = { begin() {}, advance() {}, estimate() {}, end() {} };
