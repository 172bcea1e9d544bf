/** A Koa app serving only /tap/async (as createApp wires it: DALI error middleware, router) on a migrated test
 *  database, with a JobService whose timings are shortened for tests, plus small UWS client helpers. */
import Koa from 'koa';
import Router from '@koa/router';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import request from 'supertest';
import { loadConfig } from '../../config/index.js';
import type { Config } from '../../config/index.js';
import { migrate, UWS_MIGRATION } from '../../db/index.js';
import type { Db } from '../../db/index.js';
import { daliErrors } from '../../server/error-middleware.js';
import { registerAsyncRoutes } from '../../server/routes/async.js';
import type { QueryRunner } from '../../query/query-runner.js';
import { createJobService } from '../../uws/index.js';
import type { JobService, JobServiceOptions } from '../../uws/index.js';
import { testLogger } from './logger.js';

/** Fast timings: a dead worker's job is re-queued within ~2 s, idle workers poll every ≤ 200 ms. */
export const FAST_JOB_OPTIONS: Partial<JobServiceOptions> = {
  workers: 2,
  leaseS: 1.5,
  heartbeatMs: 150,
  pollMinMs: 20,
  pollMaxMs: 200,
  maintenanceMs: 200,
  waitPollMs: 100,
};

export const TEST_ENV: Record<string, string> = {
  XTAP_BASE_URL: 'http://xtap.test',
  XTAP_ASYNC_EXECUTION_S: '60',
  XTAP_ASYNC_EXECUTION_HARD_S: '120',
  XTAP_RETENTION_S: '3600',
  XTAP_RETENTION_HARD_S: '7200',
};

export interface UwsTestApp {
  app: Koa;
  jobs: JobService;
  close(): Promise<void>;
}

/** Migrates the UWS tables only (migration 10): these tests need no catalogue. */
export async function migrateUws(db: Db): Promise<void> {
  await migrate(
    db,
    [UWS_MIGRATION],
  );
}

export function testResultsDir(): string {
  return mkdtempSync(join(tmpdir(), 'xtap-uws-'));
}

export function uwsConfig(resultsDir: string): Readonly<Config> {
  return loadConfig({ ...TEST_ENV, XTAP_RESULTS_DIR: resultsDir });
}

/** A job service and an app on an already migrated database; `start: false` leaves the workers stopped. */
export function openUwsApp(
  db: Db,
  config: Readonly<Config>,
  runner: QueryRunner,
  opts: { options?: Partial<JobServiceOptions>; start?: boolean; maxWaitS?: number } = {},
): UwsTestApp {
  const { log } = testLogger();
  const jobs = createJobService({ db, config, log, runner, options: { ...FAST_JOB_OPTIONS, ...opts.options } });
  if (opts.start !== false) jobs.start();
  const app = new Koa();
  const router = new Router();
  registerAsyncRoutes(router, { config, jobs, maxWaitS: opts.maxWaitS ?? 3 });
  app.use(daliErrors(log));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, jobs, close: () => jobs.stop() };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['parameter', 'result', 'jobref'].includes(name),
});

export type XmlNode = Record<string, unknown>;

export function parseXml(text: string): XmlNode {
  return parser.parse(text) as XmlNode;
}

/** Text of an element parsed by fast-xml-parser (plain text, or '#text' beside attributes); undefined if nil. */
export function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const o = node as XmlNode;
    if (o['@nil'] === 'true') return undefined;
    if (typeof o['#text'] === 'string') return o['#text'];
    return '';
  }
  return undefined;
}

export interface ParsedJob {
  jobId: string;
  runId?: string;
  phase: string;
  raw: XmlNode;
  parameters: Array<{ id: string; value: string }>;
  results: Array<{ id: string; href: string; size?: string; mimeType?: string }>;
  errorMessage?: string;
  errorType?: string;
}

export function parseJob(text: string): ParsedJob {
  const job = parseXml(text).job as XmlNode;
  const params = ((job.parameters as XmlNode | '' | undefined) || {}) as XmlNode;
  const results = ((job.results as XmlNode | '' | undefined) || {}) as XmlNode;
  const err = job.errorSummary as XmlNode | undefined;
  return {
    jobId: textOf(job.jobId) ?? '',
    runId: textOf(job.runId),
    phase: textOf(job.phase) ?? '',
    raw: job,
    parameters: ((params.parameter as XmlNode[] | undefined) ?? []).map((p) => ({ id: String(p['@id']), value: textOf(p) ?? '' })),
    results: ((results.result as XmlNode[] | undefined) ?? []).map((r) => ({
      id: String(r['@id']),
      href: String(r['@href']),
      size: r['@size'] as string | undefined,
      mimeType: r['@mime-type'] as string | undefined,
    })),
    errorMessage: err ? textOf(err.message) : undefined,
    errorType: err ? String(err['@type']) : undefined,
  };
}

/** Job id from a creation response's Location. */
export function jobIdOf(location: string | undefined): string {
  const m = /\/tap\/async\/([^/?]+)$/.exec(location ?? '');
  if (!m?.[1]) throw new Error(`not a job URL: ${location}`);
  return m[1];
}

/** Creates a job with form parameters and returns its id. */
/** Creates a job; with `ownerToken`, as the holder of that owner token (X-Owner-Token). */
/** The owner token createJob and ownerHttp send: aborting, deleting or modifying an anonymous job needs it. */
export const TEST_OWNER_TOKEN = 'test-owner-token-0123456789abcdefghijkl';

/** Requests as the owner of the jobs createJob made (X-Owner-Token on every request). */
export function ownerHttp(app: Koa, token = TEST_OWNER_TOKEN) {
  return request.agent(app.callback()).set('X-Owner-Token', token);
}

/** Creates a job as the owner of `ownerToken` (TEST_OWNER_TOKEN by default; null: without a token). */
export async function createJob(app: Koa, form: Record<string, string>, ownerToken: string | null = TEST_OWNER_TOKEN): Promise<string> {
  let req = request(app.callback()).post('/tap/async');
  if (ownerToken !== null) req = req.set('X-Owner-Token', ownerToken);
  const r = await req.type('form').send(form);
  if (r.status !== 303) throw new Error(`job creation answered ${r.status}: ${r.text}`);
  return jobIdOf(r.headers.location);
}

export async function getJob(app: Koa, id: string, query = ''): Promise<ParsedJob> {
  const r = await request(app.callback()).get(`/tap/async/${id}${query}`);
  if (r.status !== 200) throw new Error(`GET job answered ${r.status}: ${r.text}`);
  return parseJob(r.text);
}

/** Polls until the job reaches one of the phases (or fails the test after timeoutMs). */
export async function waitForPhase(app: Koa, id: string, phases: string[], timeoutMs = 15_000): Promise<ParsedJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(app, id);
    if (phases.includes(job.phase)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.phase} after ${timeoutMs} ms, wanted ${phases.join('|')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
