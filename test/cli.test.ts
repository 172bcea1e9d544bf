import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/program.js';
import { countRows, runCliWith } from './helpers/cli.js';
import { testDatabases } from './helpers/databases.js';

const SAMPLE = join(process.cwd(), 'data', 'sample');

describe.each(testDatabases())('xtap ingest csc2 (command line) on $name', (backend) => {
  const tmp = mkdtempSync(join(tmpdir(), 'xtap-cli-'));
  let env: Record<string, string>;
  let drop: () => Promise<void> = async () => undefined;
  const stderr: string[] = [];

  beforeAll(async () => {
    const opened = await backend.open();
    await opened.db.close();
    drop = opened.drop;
    env = { DATABASE_URL: opened.url, XTAP_DATA_DIR: join(tmp, 'unused'), LOG_LEVEL: 'silent' };
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await drop();
  });

  const run = (args: string[]) => runCliWith(env, args);
  const countMaster = () => countRows(env, 'csc2.master_source');

  it('loads a file and exits 0; loading it again keeps the count', async () => {
    expect(await run(['ingest', 'csc2', join(SAMPLE, 'ngc3532_conesearch_per.csv')])).toBe(0);
    expect(await countMaster()).toBe(389);
    expect(await run(['ingest', 'csc2', join(SAMPLE, 'ngc3532_conesearch_per.csv')])).toBe(0);
    expect(await countMaster()).toBe(389);
  });

  it('exits 1 on a corrupt row, names it, and changes nothing', async () => {
    const lines = readFileSync(join(SAMPLE, 'ic2395_conesearch_per.csv'), 'utf8').split('\n');
    const cells = (lines[3] ?? '').split(',');
    cells[3] = '-95 00 00.0'; // dec out of range
    lines[3] = cells.join(',');
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    stderr.length = 0;
    expect(await run(['ingest', 'csc2', bad])).toBe(1);
    expect(stderr.join('')).toMatch(/ingest failed, nothing was changed: .*bad\.csv, row 3, column dec: -95 is outside the valid range \[-90, 90\]/);
    expect(await countMaster()).toBe(389);
  });

  it('exits 2 on bad usage', async () => {
    stderr.length = 0;
    expect(await run(['ingest', 'csc2', '--table', 'nonsense', 'x.csv'])).toBe(2);
    expect(stderr.join('')).toContain("Allowed choices are auto, master_source");
  });

  it('exits 1 with a clear message for a missing file', async () => {
    stderr.length = 0;
    expect(await run(['ingest', 'csc2', join(tmp, 'missing.csv')])).toBe(1);
    expect(stderr.join('')).toContain('missing.csv: file not found or not readable');
  });
});

describe('xtap adql', () => {
  it('prints the SQL and the output columns with their metadata', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      out.push(String(c));
      return true;
    });
    try {
      expect(await runCli(['adql', "SELECT TOP 3 name, ra, flux_aper90_b * 2 AS f2 FROM csc2.master_source WHERE likelihood_class = 'TRUE'"])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const text = out.join('');
    expect(text).toContain('SELECT "master_source"."name" AS "name"');
    expect(text).toContain('LIMIT 3');
    expect(text).toContain('$1 = "TRUE"');
    expect(text).toMatch(/ra\s+double\s+deg\s+pos\.eq\.ra;meta\.main/);
    // flux * 2 is not in the flux's unit (#12.4): the computed column carries none
    const f2 = text.split('\n').find((l) => /^\s*f2\s/.test(l));
    expect(f2).toMatch(/^\s*f2\s+double\b/);
    expect(f2).not.toContain('erg');
  });

  it('exits 1 with line, column and code for a bad query', async () => {
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      err.push(String(c));
      return true;
    });
    try {
      expect(await runCli(['adql', 'SELECT ra FROM csc2.master_source WHERE'])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(err.join('')).toMatch(/xtap: ADQL error at 1:\d+: \w+: /);
  });
});
