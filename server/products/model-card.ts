/** Model cards at stable URLs: GET /models/{model_id}/card (the card's CARD.md, text/markdown) and
 *  /models/{model_id}/card.json (ml.model.card of the newest registered version, or ?version=). DataLink's
 *  #documentation rows point here. The Markdown comes from models/{model_id}/CARD.md beside the service. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Router from '@koa/router';
import type { Queryable } from '../../db/index.js';
import { DaliError } from '../errors.js';

export const MODELS_PATH = '/models';

export function modelCardUrl(baseUrl: string, modelId: string, format: 'md' | 'json' = 'md'): string {
  return `${baseUrl}${MODELS_PATH}/${encodeURIComponent(modelId)}/card${format === 'json' ? '.json' : ''}`;
}

async function registered(db: Queryable, id: string, version: string | undefined): Promise<{ version: string; card: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw new DaliError('BAD_PARAMETER', `"${id}" is not a model id (see SELECT model_id FROM ml.model)`);
  const r = version
    ? await db.query('SELECT version, card FROM ml.model WHERE model_id = $1 AND version = $2', [id, version])
    : await db.query('SELECT version, card FROM ml.model WHERE model_id = $1 ORDER BY registered_at DESC, version DESC LIMIT 1', [id]);
  const row = r.rows[0];
  if (!row) throw new DaliError('NOT_FOUND', `no model "${id}"${version ? ` version ${version}` : ''} in ml.model`);
  return { version: String(row[0]), card: String(row[1]) };
}

export function registerModelCardRoutes(router: Router, deps: { db: Queryable; modelsDir?: string }): void {
  const modelsDir = deps.modelsDir ?? join(process.cwd(), 'models');
  router.get(`${MODELS_PATH}/:id/card.json`, async (ctx) => {
    const v = typeof ctx.query.version === 'string' ? ctx.query.version : undefined;
    const m = await registered(deps.db, ctx.params.id, v);
    ctx.type = 'application/json';
    ctx.body = m.card;
  });
  router.get(`${MODELS_PATH}/:id/card`, async (ctx) => {
    const m = await registered(deps.db, ctx.params.id, undefined);
    let text: string;
    try {
      text = await readFile(join(modelsDir, ctx.params.id, 'CARD.md'), 'utf8');
    } catch {
      throw new DaliError('NOT_FOUND', `model "${ctx.params.id}" has no CARD.md here; its card is at ${MODELS_PATH}/${ctx.params.id}/card.json`);
    }
    ctx.type = 'text/markdown; charset=utf-8';
    ctx.set('X-Model-Version', m.version);
    ctx.body = text;
  });
}
