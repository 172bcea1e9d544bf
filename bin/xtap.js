#!/usr/bin/env node
// Entry point of the `xtap` command; the CLI itself is compiled from cli/main.ts (npm install runs the build).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('xtap is not built yet: run `npm run build` first\n');
    process.exit(2);
  }
  throw err;
});
