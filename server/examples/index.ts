/** GET /tap/examples (DALI examples document, TAP 1.1 §2.6) and the sample upload tables it links to
 *  (/tap/examples/<table>.vot). Thin: the page is generated once from the examples list (examples.ts). */
import type Router from '@koa/router';
import type { Config } from '../../config/index.js';
import { DaliError } from '../errors.js';
import { rejectOtherMethods, sendStatic } from '../vosi/index.js';
import { TAP_PATHS } from '../vosi/namespaces.js';
import { TAP_EXAMPLES } from './examples.js';
import type { TapExample } from './examples.js';
import { examplesPage, uploadSampleFile, uploadSampleVotable } from './page.js';

export { TAP_EXAMPLES, CSC2_EXAMPLES, ML_EXAMPLES } from './examples.js';
export type { TapExample, ExampleUpload } from './examples.js';
export { examplesPage, uploadSampleFile, uploadSampleVotable, EXAMPLES_VOCAB } from './page.js';

export interface ExamplesDeps {
  config: Readonly<Config>;
  /** Defaults to TAP_EXAMPLES. */
  examples?: ReadonlyArray<TapExample>;
}

/** DALI allows text/html or application/xhtml+xml; the page is strict XHTML, so say so. */
export const EXAMPLES_CONTENT_TYPE = 'application/xhtml+xml; charset=utf-8';

export function registerExamplesRoutes(router: Router, deps: ExamplesDeps): void {
  const examples = deps.examples ?? TAP_EXAMPLES;
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  let page: string | undefined;

  router.get(TAP_PATHS.examples, (ctx) => {
    page ??= examplesPage({ baseUrl: deps.config.baseUrl, examples });
    sendStatic(ctx, page, startedAt, EXAMPLES_CONTENT_TYPE);
  });
  rejectOtherMethods(router, TAP_PATHS.examples);

  const uploads = new Map(examples.flatMap((ex) => (ex.upload ? [[uploadSampleFile(ex.upload), ex.upload] as const] : [])));
  const filePath = `${TAP_PATHS.examples}/:file`;
  router.get(filePath, (ctx) => {
    const upload = uploads.get(ctx.params.file ?? '');
    if (!upload) throw new DaliError('NOT_FOUND', `no example file "${ctx.params.file ?? ''}"; ${TAP_PATHS.examples} links the ones there are`);
    ctx.type = 'application/x-votable+xml';
    ctx.set('Content-Disposition', `inline; filename="${uploadSampleFile(upload)}"`);
    ctx.body = uploadSampleVotable(upload);
  });
  rejectOtherMethods(router, filePath);
}
