/** The root pino logger of an entrypoint (server, CLI): JSON lines, credentials in URLs redacted. */
import { pino } from 'pino';
import type { Logger } from 'pino';

export function createLogger(level: string, name: string, destination: NodeJS.WritableStream = process.stdout): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['databaseUrl', '*.databaseUrl', 'config.db.databaseUrl'], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream,
  );
}
