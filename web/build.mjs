// Bundles the web page (web/src/main.ts + its CSS and uPlot's) into dist/web with esbuild: no CDN, no runtime
// build. Run by `npm run build` (and so by `npm ci`'s prepare and `npm start`'s prestart).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'web');
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);

await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
const css = [readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), readFileSync(join(here, 'src', 'app.css'), 'utf8')];
writeFileSync(join(out, 'app.css'), css.join('\n'));
