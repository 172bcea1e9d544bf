/** Runs the real `xtap` command as child processes (cluster primary, HTTP workers, async workers): cli/main.ts
 *  bundled once per test run with esbuild (packages stay external, resolved from the worktree's node_modules),
 *  so no `npm run build` is needed. Each process's JSON log lines are collected for assertions. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..', '..');
let bundled: Promise<string> | undefined;

/** Path of the bundled CLI (built on first use). */
export function xtapBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(ROOT, 'var', 'test-bin');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `xtap-${process.pid}.mjs`);
    await build({ entryPoints: [join(ROOT, 'cli', 'main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'error' });
    return out;
  })();
  return bundled;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

export interface XtapProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far (stdout), in order. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the nth (default first) log line, already seen or to come, that matches. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number, nth?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export async function startXtap(args: string[], env: Record<string, string>): Promise<XtapProcess> {
  const bundle = await xtapBundle();
  const child = spawn(process.execPath, [bundle, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let err = '';
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      try {
        logs.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        logs.push({ msg: l });
      }
    }
    for (const w of [...waiters]) w();
  });
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  return {
    child,
    logs,
    stderr: () => err,
    exited,
    waitFor(match, timeoutMs = 60_000, nth = 1) {
      return new Promise((ok, fail) => {
        const check = () => {
          const hit = logs.filter(match)[nth - 1];
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          ok(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${err.slice(-2000)}; last lines: ${JSON.stringify(logs.slice(-5))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
