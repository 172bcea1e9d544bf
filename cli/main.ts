/** Process entry of the `xtap` command (bin/xtap.js imports the compiled form). */
import { runCli } from './program.js';

runCli(process.argv.slice(2)).then((code) => process.exit(code));
