/** HTTP edge of the async TAP endpoint (/tap/async): the UWS 1.1 job list, job resource and its children.
 *  Parses requests, calls uws/'s JobService and renders its XML; errors are DaliErrors that the DALI error
 *  middleware turns into error VOTables. Spec: UWS 1.1 §2.2, TAP 1.1 §2.2, DALI 1.1 §2.1/§4.2. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type Router from '@koa/router';
import parseRange from 'range-parser';
import type { Context } from 'koa';
import type { Config } from '../../config/index.js';
import type { Job, JobParameter, JobPhase, JobService, JobUrls } from '../../uws/index.js';
import { ACTIVE_PHASES, isJobPhase, jobListXml, jobXml, parametersXml, resultsXml, isoTime } from '../../uws/index.js';
import { errorVotable } from '../../votable/index.js';
import { DaliError } from '../errors.js';
import { readTapParams, requestLimits } from '../tap/params.js';
import type { TapParams } from '../tap/params.js';
import { OWNER_COOKIE, OWNER_TOKEN_HEADER, isTokenOwner, mayChangeJob, mintOwnerToken, ownerIdOfToken, requestOwnerToken } from './job-owner.js';

export interface AsyncRouteDeps {
  config: Readonly<Config>;
  jobs: JobService;
  /** Longest blocking WAIT in seconds (UWS 1.1 §2.2.1.2: return before proxies time out); default 60. */
  maxWaitS?: number;
}

/** UWS control parameters: they act on the job and are not job parameters. */
const CONTROL_PARAMS = new Set(['PHASE', 'ACTION', 'EXECUTIONDURATION', 'DESTRUCTION']);
/** Where DELETE sends the client: a short list, never the unfiltered one (pyvo#535). */
const AFTER_DELETE_LAST = 20;
const XML = 'text/xml';
const TEXT = 'text/plain';

/** Registers /tap/async and its children on the router. */
export function registerAsyncRoutes(router: Router, deps: AsyncRouteDeps): void {
  const { config, jobs } = deps;
  const maxWaitS = deps.maxWaitS ?? 60;
  const base = `${config.baseUrl}/tap/async`;
  const urls: JobUrls = {
    job: (id) => `${base}/${id}`,
    result: (id, resultId) => `${base}/${id}/results/${resultId}`,
  };
  const readParams = (k: Context) => readTapParams(k, requestLimits(config.limits));

  const selfOrigin = new URL(config.baseUrl).origin;
  /** Reading needs the job URL only (job-owner.ts); an authenticated owner's job stays private to them. */
  const loadJob = async (k: Context): Promise<Job> => {
    const id = k.params.id ?? '';
    const job = await jobs.get(id);
    const visible = job !== undefined && (job.ownerId === callerOf(k).ownerId || job.ownerId === '' || isTokenOwner(job.ownerId));
    // Another owner's job is as unknown as a missing one (no existence leak).
    if (!job || !visible) throw new DaliError('NOT_FOUND', `no job "${id}" (it may have been deleted or destroyed)`);
    return job;
  };
  /** Changing a job needs its owner's token when the caller has one, and is never allowed to a cross-site request
   *  without it. */
  const loadJobToChange = async (k: Context): Promise<Job> => {
    const job = await loadJob(k);
    const caller = callerOf(k);
    const origin = k.get('Origin') || undefined;
    const decision = mayChangeJob(job.ownerId, {
      callerOwnerId: caller.ownerId,
      identified: caller.identified,
      origin,
      selfOrigin: origin === `${k.protocol}://${k.host}` ? origin : selfOrigin,
    });
    if (!decision.allowed) throw new DaliError('NOT_ALLOWED', decision.reason, { status: 403 });
    return job;
  };
  const seeOther = (k: Context, url: string) => {
    k.status = 303;
    k.set('Location', url);
    k.set('Cache-Control', 'no-store');
  };
  const text = (k: Context, value: string) => {
    k.type = TEXT;
    k.set('Cache-Control', 'no-cache');
    k.body = value;
  };
  const xml = (k: Context, value: string) => {
    k.type = XML;
    k.set('Cache-Control', 'no-cache');
    k.body = value;
  };

  router.post('/tap/async', async (k) => {
    const params = await readParams(k);
    try {
      const phase = params.get('PHASE');
      if (phase !== undefined && phase.toUpperCase() !== 'RUN') {
        throw new DaliError('BAD_PARAMETER', `PHASE=${phase} cannot be given when creating a job; only PHASE=RUN can`);
      }
      const caller = callerOf(k);
      let ownerId = caller.ownerId;
      if (!caller.identified) {
        // A new anonymous owner: the token goes back as a cookie and a header; only its hash is stored.
        const token = mintOwnerToken();
        ownerId = ownerIdOfToken(token);
        k.set(OWNER_TOKEN_HEADER, token);
        k.cookies.set(OWNER_COOKIE, token, {
          httpOnly: true,
          sameSite: 'strict',
          path: '/tap/async',
          secure: k.secure,
          maxAge: config.limits.retentionHardS * 1000,
          overwrite: true,
        });
      }
      const duration = params.get('EXECUTIONDURATION');
      const destruction = params.get('DESTRUCTION');
      const job = await jobs.create({
        ownerId,
        parameters: jobParameters(params),
        files: params.files,
        executionDuration: duration === undefined ? undefined : parseSeconds(duration),
        destruction: destruction === undefined ? undefined : parseIsoTime(destruction, 'DESTRUCTION'),
        run: phase !== undefined,
      });
      seeOther(k, urls.job(job.jobId));
    } finally {
      params.cleanup();
    }
  });

  router.get('/tap/async', async (k) => {
    const params = await readParams(k);
    const phases = params.all('PHASE').map((p) => {
      const up = p.toUpperCase();
      if (!isJobPhase(up)) throw new DaliError('BAD_PARAMETER', `PHASE=${p} is not a UWS phase`);
      return up;
    });
    const after = params.get('AFTER');
    const last = params.get('LAST');
    if (last !== undefined && !/^\s*\d+\s*$/.test(last)) throw new DaliError('BAD_PARAMETER', `LAST must be a non-negative integer, got "${last}"`);
    const caller = callerOf(k);
    const filter = {
      ownerId: caller.ownerId,
      phases,
      after: after === undefined ? undefined : parseIsoTime(after, 'AFTER'),
      last: last === undefined ? undefined : Number(last),
    };
    // Without a token or an account the caller owns no job; listing every anonymous job would hand out their URLs.
    const list = caller.identified ? await jobs.list(filter) : [];
    xml(k, jobListXml(list, urls));
  });

  router.get('/tap/async/:id', async (k) => {
    let job = await loadJob(k);
    const params = await readParams(k);
    const wait = params.get('WAIT');
    if (wait !== undefined) {
      if (!/^\s*-?\d+\s*$/.test(wait)) throw new DaliError('BAD_PARAMETER', `WAIT must be an integer number of seconds, got "${wait}"`);
      const seconds = Number(wait) < 0 ? maxWaitS : Math.min(Number(wait), maxWaitS);
      const phase = params.get('PHASE')?.toUpperCase();
      // UWS 1.1 §2.2.1.2: block only in an active phase, and with PHASE=x only while the job is in x.
      if (seconds > 0 && ACTIVE_PHASES.has(job.phase) && (phase === undefined || phase === job.phase)) {
        const gone = new AbortController();
        const onClose = () => gone.abort();
        k.res.once('close', onClose);
        try {
          await jobs.waitWhile(job.jobId, job.phase, seconds * 1000, gone.signal);
        } finally {
          k.res.off('close', onClose);
        }
        job = await loadJob(k);
      }
    }
    xml(k, jobXml(job, urls));
  });

  const deleteJob = async (k: Context) => {
    const job = await loadJobToChange(k);
    await jobs.delete(job.jobId);
    seeOther(k, `${base}?LAST=${AFTER_DELETE_LAST}`);
  };
  router.delete('/tap/async/:id', deleteJob);
  router.post('/tap/async/:id', async (k) => {
    await loadJobToChange(k);
    const params = await readParams(k);
    params.cleanup();
    const action = params.get('ACTION');
    // DALI §2.1: parameters are never set by a POST to the job itself.
    if (action === undefined || action.toUpperCase() !== 'DELETE') {
      throw new DaliError(
        'BAD_PARAMETER',
        'a POST to the job URL takes only ACTION=DELETE; post parameters to {job}/parameters and PHASE to {job}/phase',
      );
    }
    await deleteJob(k);
  });

  router.get('/tap/async/:id/phase', async (k) => text(k, (await loadJob(k)).phase));
  router.post('/tap/async/:id/phase', async (k) => {
    await loadJob(k);
    const params = await readParams(k);
    params.cleanup();
    const phase = params.get('PHASE');
    const wanted = phase?.toUpperCase();
    const job = await loadJobToChange(k);
    if (wanted === 'RUN') await jobs.run(job.jobId);
    else if (wanted === 'ABORT') await jobs.abort(job.jobId);
    else throw new DaliError('BAD_PARAMETER', phase === undefined ? 'PHASE is required: RUN or ABORT' : `PHASE=${phase} is not supported; use RUN or ABORT`);
    seeOther(k, urls.job(job.jobId));
  });

  router.get('/tap/async/:id/quote', async (k) => {
    const job = await loadJob(k);
    text(k, job.quote ? isoTime(job.quote) : '');
  });

  router.get('/tap/async/:id/executionduration', async (k) => text(k, String((await loadJob(k)).executionDuration)));
  router.post('/tap/async/:id/executionduration', async (k) => {
    const job = await loadJobToChange(k);
    const params = await readParams(k);
    params.cleanup();
    const value = params.get('EXECUTIONDURATION');
    if (value === undefined) throw new DaliError('MISSING_PARAMETER', 'EXECUTIONDURATION is required (seconds)');
    const outcome = await jobs.setExecutionDuration(job.jobId, parseSeconds(value));
    if (outcome === 'wrong-phase') throw wrongPhase('the execution duration', job.phase);
    if (outcome === 'not-found') throw new DaliError('NOT_FOUND', `no job "${job.jobId}"`);
    seeOther(k, urls.job(job.jobId));
  });

  router.get('/tap/async/:id/destruction', async (k) => {
    const job = await loadJob(k);
    text(k, job.destruction ? isoTime(job.destruction) : '');
  });
  router.post('/tap/async/:id/destruction', async (k) => {
    const job = await loadJobToChange(k);
    const params = await readParams(k);
    params.cleanup();
    const value = params.get('DESTRUCTION');
    if (value === undefined) throw new DaliError('MISSING_PARAMETER', 'DESTRUCTION is required (an ISO-8601 UTC time)');
    await jobs.setDestruction(job.jobId, parseIsoTime(value, 'DESTRUCTION'));
    seeOther(k, urls.job(job.jobId));
  });

  router.get('/tap/async/:id/error', async (k) => {
    const job = await loadJob(k);
    if (!job.error) throw new DaliError('NOT_FOUND', `job "${job.jobId}" has no error (its phase is ${job.phase})`);
    // DALI §4.2 / UWS §2.2.2.5: the error document of a failed job is a resource like any other: HTTP 200.
    k.type = 'application/x-votable+xml';
    k.body = errorVotable(job.error.message);
  });

  router.get('/tap/async/:id/parameters', async (k) => xml(k, parametersXml(await loadJob(k))));
  router.post('/tap/async/:id/parameters', async (k) => {
    const job = await loadJobToChange(k);
    const params = await readParams(k);
    try {
      const outcome = await jobs.setParameters(job.jobId, jobParameters(params), params.files);
      if (outcome === 'wrong-phase') throw wrongPhase('parameters', (await jobs.get(job.jobId))?.phase ?? job.phase);
      if (outcome === 'not-found') throw new DaliError('NOT_FOUND', `no job "${job.jobId}"`);
    } finally {
      params.cleanup();
    }
    seeOther(k, urls.job(job.jobId));
  });

  router.get('/tap/async/:id/results', async (k) => xml(k, resultsXml(await loadJob(k), urls)));
  router.get('/tap/async/:id/results/:resultId', async (k) => {
    const job = await loadJob(k);
    const result = job.results.find((r) => r.id === k.params.resultId);
    if (!result) throw new DaliError('NOT_FOUND', `job "${job.jobId}" has no result "${k.params.resultId ?? ''}" (its phase is ${job.phase})`);
    const path = jobs.results.absolute(result.path);
    const file = await stat(path).catch(() => undefined);
    if (file === undefined) throw new DaliError('NOT_FOUND', `the result of job "${job.jobId}" is no longer stored`);
    // Set the header as stored: k.type would add a charset the runner did not choose.
    k.set('Content-Type', result.contentType);
    k.set('Accept-Ranges', 'bytes');
    k.set('ETag', `"${file.size.toString(36)}-${Math.floor(file.mtimeMs).toString(36)}"`);
    k.lastModified = file.mtime;
    const range = byteRange(k, file.size);
    if (range === 'unsatisfiable') {
      k.status = 416;
      k.set('Content-Range', `bytes */${file.size}`);
      k.type = 'application/x-votable+xml';
      k.body = errorVotable(`the requested range is outside the result (${file.size} bytes)`);
      return;
    }
    if (range === undefined) {
      k.body = createReadStream(path);
      k.length = file.size;
      return;
    }
    k.status = 206;
    k.set('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    k.body = createReadStream(path, { start: range.start, end: range.end });
    k.length = range.end - range.start + 1;
  });

  router.get('/tap/async/:id/owner', async (k) => {
    const job = await loadJob(k);
    text(k, isTokenOwner(job.ownerId) ? '' : job.ownerId);
  });
}

/** The caller: an authenticated owner (none exists yet), else the holder of an owner token, else anonymous. */
function callerOf(k: Context): { ownerId: string; identified: boolean } {
  const owner = (k.state as { ownerId?: unknown }).ownerId;
  if (typeof owner === 'string' && owner !== '') return { ownerId: owner, identified: true };
  const token = requestOwnerToken(k.get(OWNER_TOKEN_HEADER) || undefined, k.cookies.get(OWNER_COOKIE));
  return token === undefined ? { ownerId: '', identified: false } : { ownerId: ownerIdOfToken(token), identified: true };
}

/** RFC 9110 §14: one byte range of a stored result. No (or an ignorable) Range, a stale If-Range, or several
 *  ranges → undefined (the whole file, 200); a range past the end → 'unsatisfiable' (416). */
function byteRange(k: Context, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const header = k.get('Range');
  if (!header || (k.method !== 'GET' && k.method !== 'HEAD')) return undefined;
  const ifRange = k.get('If-Range');
  if (ifRange) {
    const etag = k.response.get('ETag');
    const fresh = ifRange.startsWith('"') || ifRange.startsWith('W/') ? ifRange === etag : Date.parse(ifRange) >= Math.floor(Date.parse(k.response.get('Last-Modified')) / 1000) * 1000;
    if (!fresh) return undefined;
  }
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  const [r] = ranges;
  return r === undefined ? undefined : { start: r.start, end: r.end };
}

function jobParameters(params: TapParams): JobParameter[] {
  return params
    .entries()
    .filter(([name]) => !CONTROL_PARAMS.has(name))
    .map(([name, value]) => ({ name, value }));
}

function wrongPhase(what: string, phase: JobPhase): DaliError {
  return new DaliError('NOT_ALLOWED', `${what} can no longer be changed: the job is ${phase}`, { status: 409 });
}

function parseSeconds(text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new DaliError('BAD_PARAMETER', `EXECUTIONDURATION must be a non-negative integer number of seconds, got "${text}"`);
  return Number(text);
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO-8601; a time without a zone is UTC (UWS 1.1 §2.2.1: all times are UTC). */
export function parseIsoTime(text: string, name: string): Date {
  const m = ISO_TIME.exec(text.trim());
  const t = m ? Date.parse(m[2] !== undefined && m[3] === undefined ? `${text.trim()}Z` : text.trim()) : NaN;
  if (Number.isNaN(t)) throw new DaliError('BAD_PARAMETER', `${name} must be an ISO-8601 time such as 2030-01-01T00:00:00Z, got "${text}"`);
  return new Date(t);
}
