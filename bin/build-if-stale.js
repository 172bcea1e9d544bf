#!/usr/bin/env node
// `npm start`'s pre-step: runs `npm run build` only when the sources changed since the last build. A SHA-256 over
// the build inputs (every file under the compiled source folders of tsconfig.build.json, plus a web/ folder and the
// package/tsconfig files, whichever exist) is compared with the one stamped in dist/.build-stamp by the last build;
// content hashes rather than mtimes, so a `git checkout` that touches files without changing them does not rebuild.
// Usage: node bin/build-if-stale.js [--check | --stamp]
//   --check: exit 1 when a build is needed, build nothing; --stamp: record the current sources as built (`postbuild`).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(root, 'dist', '.build-stamp');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'test-output', 'var']);
const TOP_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function buildFolders() {
  const cfg = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
  const folders = new Set(Array.isArray(cfg.include) ? cfg.include : []);
  folders.add('web'); // a front-end bundle step of `npm run build`, when the project has one
  return [...folders].filter((f) => typeof f === 'string' && !/[*?]/.test(f)).sort();
}

function walk(dir, out) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (SKIP_DIRS.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Hash of the build inputs: relative path and content of every file, in a fixed order. */
function sourceHash() {
  const files = [];
  for (const f of buildFolders()) walk(join(root, f), files);
  for (const f of TOP_FILES) if (existsSync(join(root, f))) files.push(join(root, f));
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

const hash = sourceHash();
if (process.argv.includes('--stamp')) {
  writeFileSync(STAMP, `${hash}\n`);
  process.exit(0);
}
const stamped = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : '';
if (stamped === hash) process.exit(0);
if (process.argv.includes('--check')) {
  process.stdout.write(`build needed (${stamped ? 'sources changed' : 'no build stamp'})\n`);
  process.exit(1);
}
process.stdout.write(`xtap: ${stamped ? 'sources changed since the last build' : 'no build yet'}; running npm run build\n`);
const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
// `postbuild` has stamped the sources it built.
