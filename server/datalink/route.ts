/** GET/POST /tap/links: the DataLink {links} endpoint (ID repeatable, RESPONSEFORMAT optional). */
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Config } from '../../config/index.js';
import type { Db } from '../../db/index.js';
import { encodeVotable } from '../../votable/votable-encoder.js';
import { DaliError } from '../errors.js';
import { readTapParams } from '../tap/params.js';
import { LINK_COLUMNS, LINKS_CONTENT_TYPE, linkRowValues, linksFor } from './links.js';

export function registerDatalinkRoutes(router: Router, deps: { db: Db; config: Readonly<Config> }): void {
  router.all('/tap/links', async (ctx) => {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, POST');
      return;
    }
    // {links} takes IDs only: no files, and a small body.
    const params = await readTapParams(ctx, { maxFileBytes: 0, maxBodyBytes: 1024 * 1024, maxParts: deps.config.limits.requestMaxParts, maxFieldBytes: 1024 * 1024 });
    params.cleanup();
    const ids = params.all('ID').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) throw new DaliError('MISSING_PARAMETER', 'ID is required: give one or more CSC2 master source names, e.g. ID=2CXO J110507.4-585105');
    const format = params.get('RESPONSEFORMAT');
    if (format !== undefined && !/^(votable|application\/x-votable\+xml(;.*)?)$/i.test(format.trim())) {
      throw new DaliError('UNSUPPORTED', `RESPONSEFORMAT "${format}" is not supported for {links}; use ${LINKS_CONTENT_TYPE}`);
    }
    const rows = await linksFor(ids, { db: deps.db, baseUrl: deps.config.baseUrl });
    ctx.type = LINKS_CONTENT_TYPE;
    ctx.body = Readable.from(
      encodeVotable({ infos: [{ name: 'standardID', value: 'ivo://ivoa.net/std/DataLink#links-1.1' }] }, LINK_COLUMNS, [rows.map(linkRowValues)], { serialization: 'TABLEDATA' }),
    );
  });
}
