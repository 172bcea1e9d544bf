/** Service entrypoint of `npm start`: configuration and logging, then server/cluster.ts (one serving process, or
 *  a node:cluster primary with XTAP_HTTP_WORKERS > 1). */
import { ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { runService } from './cluster.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  await runService(config, createLogger(config.logLevel, 'xtap'));
}

main().catch((err: unknown) => {
  process.stderr.write(`xtap failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
