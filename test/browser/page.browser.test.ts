/** The web page in a real browser (headless Chromium) against a real listening xtap on the bundled sample: load
 *  the page, run an example, see rows and a sky plot, see an ADQL error marked at its line and column, run an
 *  async job, open a source's DataLink products (class-probability bars) and an event file's (E–t and dEdT map
 *  images, light curve, spectrum). With XTAP_SCREENSHOTS=dir it also writes the README's screenshots there
 *  (`npm run screenshots`). Skipped with a message when Chromium is absent, unless XTAP_REQUIRE_TOOLS is set. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import type { PgDb } from '../../db/index.js';
import { publishedCatalog } from '../../schema/index.js';
import { createApp } from '../../server/app.js';
import { prepareDatabase, prepareRuntime } from '../../server/bootstrap.js';
import { createQueryRunner } from '../../query/sql-query-runner.js';
import { createJobService } from '../../uws/index.js';
import type { JobService } from '../../uws/index.js';
import { testDatabases } from '../helpers/databases.js';
import { testLogger } from '../helpers/logger.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CHROMIUM, hasChromium, launchChromium } from './chromium.js';

/** The little of the DOM the page-side callbacks touch (this file is type-checked with Node's libraries). */
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
};
interface PageImage {
  complete: boolean;
  naturalWidth: number;
}

const present = hasChromium();
if (!present) {
  if (process.env.XTAP_REQUIRE_TOOLS) throw new Error(`Chromium is required (XTAP_REQUIRE_TOOLS is set): apt-get install chromium (looked for ${CHROMIUM})`);
  console.warn(`[page.browser.test] ${CHROMIUM} not found: the browser tests are SKIPPED (apt-get install chromium)`);
}
const shots = process.env.XTAP_SCREENSHOTS;

/** Shrinks a screenshot to a 128-colour palette PNG (README images stay small) when Pillow is there. */
function shrink(path: string): void {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import sys;from PIL import Image;im=Image.open(sys.argv[1]).convert("RGB").quantize(128);im.save(sys.argv[1],optimize=True)', path]);
  } catch {
    // keep the full-colour PNG
  }
}

/** Whether dist/web/app.js is missing or older than a file of web/ (other suites read it: rebuild only then). */
function bundleIsStale(): boolean {
  const bundle = join('dist', 'web', 'app.js');
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  return newest('web') > built;
}

async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  const path = join(shots, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path });
  shrink(path);
}

async function setQuery(page: Page, text: string): Promise<void> {
  await page.click('#editor .cm-content');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe.skipIf(!present).each(testDatabases())('web page in headless Chromium on $name', (backend) => {
  let db: PgDb;
  let drop: () => Promise<void>;
  let jobs: JobService;
  let resultsDir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let url: string;
  let eventFileId: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    // the page must run the current front-end: rebuild the bundle when web/ changed since it was built
    if (bundleIsStale()) execFileSync(process.execPath, ['web/build.mjs'], { stdio: 'inherit' });
    // the service as server/main.ts assembles it (sync and async TAP, DataLink, products) on the bundled sample
    ({ db, drop } = await backend.open());
    const { log } = testLogger();
    resultsDir = mkdtempSync(join(tmpdir(), 'xtap-web-'));
    // listen first: the base URL (job Locations, DataLink access URLs) is the address the browser uses
    server = createServer();
    server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const config = loadConfig({ XTAP_RESULTS_DIR: resultsDir, XTAP_BASE_URL: url.replace(/\/$/, '') });
    await prepareDatabase(db, { sampleDir: join(process.cwd(), 'data', 'sample'), loadSample: 'auto' }, log);
    await prepareRuntime(db, config, log);
    const runner = createQueryRunner({ db, config, catalog: publishedCatalog(), log });
    jobs = createJobService({ db, config, log, runner });
    jobs.start();
    const app = createApp({ db, config, log, startedAt: new Date(), runner, jobs });
    server.on('request', app.callback());
    const rows = await db.queryObjects<{ event_file_id: string }>('SELECT event_file_id FROM ml.event_file ORDER BY n_events DESC LIMIT 1');
    eventFileId = rows[0]?.event_file_id ?? '';
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) cspViolations.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await jobs?.stop();
    await drop?.();
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  it('loads the page with the examples, the table browser and the editor', async () => {
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('#examples button[data-example]');
    expect(await page.locator('#examples button[data-example]').count()).toBeGreaterThan(5);
    await page.waitForSelector('#table-list details');
    expect(await page.locator('#table-list summary', { hasText: 'csc2.master_source' }).count()).toBe(1);
    expect(await page.locator('#editor .cm-editor').count()).toBe(1);
  });

  it('runs an example query and shows its rows, downloads and a sky plot', async () => {
    await page.click('#examples button[data-example="cone-search"]');
    expect(await page.locator('#editor .cm-content').textContent()).toContain('CONTAINS');
    await page.click('#run');
    await page.waitForSelector('#grid .row');
    const status = (await page.textContent('#status')) ?? '';
    const n = Number(/(\d+) rows/.exec(status)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(await page.locator('#grid .head .cell').first().textContent()).toBe('name');
    expect(await page.locator('#grid .row').first().locator('a.dl').textContent()).toMatch(/^2CXO J/);
    const csv = await page.locator('#downloads a', { hasText: 'CSV' }).getAttribute('href');
    expect(csv).toContain('RESPONSEFORMAT=csv');
    const download = await fetch(csv as string);
    expect((await download.text()).trim().split('\n')).toHaveLength(n + 1);
    await screenshot(page, 'page-results');
    await page.click('button[data-tab="plots"]');
    await page.waitForSelector('#plot-area .sky canvas');
    const box = await page.locator('#plot-area .sky canvas').boundingBox();
    expect(box?.width).toBeGreaterThan(200);
    expect(await page.locator('#plot-area .sky h3').textContent()).toContain(`${n} rows`);
    expect(await page.locator('#plot-area .histogram canvas').count()).toBe(1);
    await screenshot(page, 'page-plots', '#plot-area');
  });

  it('scrolls through a large result with a bounded number of rows in the DOM', async () => {
    await setQuery(page, 'SELECT table_name, column_name, unit, ucd FROM TAP_SCHEMA.columns');
    await page.fill('#maxrec', '5000');
    await page.click('#run');
    await expect.poll(async () => `${await page.textContent('#status')} ${await page.textContent('#error')}`, { timeout: 30_000 }).toMatch(/\d+ rows/);
    const n = Number(/(\d+) rows/.exec((await page.textContent('#status')) ?? '')?.[1]);
    expect(n).toBeGreaterThan(100);
    expect(await page.locator('#grid .row').count()).toBeLessThan(80);
    await page.locator('#grid').evaluate((g) => (g.scrollTop = g.scrollHeight));
    await page.waitForFunction((last) => Array.from(document.querySelectorAll('#grid .row')).some((r) => r.getAttribute('style')?.includes(`top: ${(last - 1) * 22}px`)), n);
  });

  it('marks an ADQL error at the line and column the service names', async () => {
    await setQuery(page, 'SELECT TOP 5 name,\n  nme\nFROM csc2.master_source');
    await page.click('#run');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/line 2, column 3/);
    expect(await page.locator('.cm-adql-error').textContent()).toBe('nme');
  });

  it('runs an async job, follows its phase and shows class-probability bars with error bars', async () => {
    await setQuery(page, 'SELECT TOP 20 * FROM ml.source_class ORDER BY name');
    await page.click('#run-async');
    await expect.poll(async () => `${await page.textContent('#status')} ${await page.textContent('#error')}`, { timeout: 30_000 }).toMatch(/async job COMPLETED: \d+ rows/);
    expect(await page.getAttribute('#job-link', 'href')).toMatch(/\/tap\/async\/[0-9a-f]+$/);
    await page.click('button[data-tab="plots"]');
    await page.waitForSelector('#plot-area .classes canvas');
    expect(await page.locator('#plot-area .classes h3').textContent()).toMatch(/Class probabilities of 2CXO J/);
  });

  it("opens a source's DataLink links from the grid, with its class probabilities drawn", async () => {
    await page.click('button[data-tab="results"]');
    await page.locator('#grid .row a.dl').first().click();
    await page.waitForSelector('#dl-area table tr:nth-child(2)');
    expect(await page.locator('#dl-area h2').textContent()).toMatch(/DataLink: 2CXO J/);
    await page.waitForSelector('#dl-area .classes canvas');
    const images = page.locator('#dl-area img');
    for (let i = 0; i < (await images.count()); i++) {
      await expect.poll(() => images.nth(i).evaluate((img) => (img as unknown as PageImage).naturalWidth)).toBeGreaterThan(0);
    }
  });

  it("opens an event file's DataLink products: E–t and dEdT map images, light curve and spectrum", async () => {
    expect(eventFileId).not.toBe('');
    await page.fill('#dl-id', eventFileId);
    await page.click('#dl-go');
    await page.waitForSelector('#dl-area img');
    const images = page.locator('#dl-area img');
    expect(await images.count()).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < (await images.count()); i++) {
      await expect.poll(() => images.nth(i).evaluate((img) => ((img as unknown as PageImage).complete ? (img as unknown as PageImage).naturalWidth : 0))).toBeGreaterThan(0);
    }
    await page.waitForSelector('#dl-area .product canvas');
    const titles = await page.locator('#dl-area .product h3').allTextContents();
    expect(titles.some((x) => /Light curve/.test(x))).toBe(true);
    expect(titles.some((x) => /spectrum/i.test(x))).toBe(true);
    await screenshot(page, 'page-datalink', '#dl-area .products');
  });

  it('was not blocked by its own Content-Security-Policy', () => {
    // CodeMirror and uPlot style through the CSSOM and adopted stylesheets, which style-src does not govern
    expect(cspViolations.filter((v) => !/style-src/.test(v)).join('\n')).toBe('');
  });
});
