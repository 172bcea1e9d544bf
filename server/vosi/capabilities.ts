/** Builds the VOSI capabilities document (VOSI 1.1 §3.1) with the TAPRegExt 1.0 description of the TAP capability
 *  (TAP 1.1 §2.4, TAPRegExt 1.0 §2). Pure: everything it lists comes in as data — limits from Config, output
 *  formats from votable/formats.ts, language features and UDFs from adql/features.ts — so the document states
 *  exactly what the code implements. Only what validates against the TAPRegExt 1.0 XSD (the one taplint CPV
 *  uses) is emitted: one executionDuration (async; `forMode="sync"` is TAPRegExt 1.1), one unit per limit. */
import { create } from 'xmlbuilder2';
import { languageFeatures } from '../../adql/index.js';
import type { LanguageFeature } from '../../adql/index.js';
import type { Config } from '../../config/index.js';
import { PUBLISHED_SCHEMAS, allTables, qualifiedName } from '../../schema/index.js';
import type { SchemaDef } from '../../schema/index.js';
import { OUTPUT_FORMATS } from '../../votable/index.js';
import type { OutputFormat } from '../../votable/index.js';
import { LINKS_CONTENT_TYPE } from '../datalink/links.js';
import { NS, STANDARD_ID, TAP_PATHS } from './namespaces.js';

type XMLBuilder = ReturnType<typeof create>;

const TAPREGEXT = 'ivo://ivoa.net/std/TAPRegExt';

/** UPLOAD URI schemes server/tap/uploads.ts accepts (param: is TAPRegExt's "inline"). */
export const UPLOAD_METHODS: ReadonlyArray<string> = [
  `${TAPREGEXT}#upload-inline`,
  `${TAPREGEXT}#upload-http`,
  `${TAPREGEXT}#upload-https`,
];

/** ADQL versions the parser accepts (LANG=ADQL, ADQL-2.0, ADQL-2.1). */
export const ADQL_VERSIONS: ReadonlyArray<{ version: string; ivoId: string }> = [
  { version: '2.0', ivoId: 'ivo://ivoa.net/std/ADQL#v2.0' },
  { version: '2.1', ivoId: 'ivo://ivoa.net/std/ADQL#v2.1' },
];

export interface DataModelDecl {
  /** Text of the element, e.g. 'ObsCore-1.1'. */
  name: string;
  ivoId: string;
}

/** Data models declared when the table that instantiates them is published (TAPRegExt §2.3; taplint OBS runs only
 *  when ObsCore is declared). Keyed by qualified table name. */
const DATA_MODEL_TABLES: ReadonlyArray<{ table: string; model: DataModelDecl }> = [
  { table: 'ivoa.obscore', model: { name: 'ObsCore-1.1', ivoId: 'ivo://ivoa.net/std/ObsCore#core-1.1' } },
];

export function declaredDataModels(schemas: ReadonlyArray<SchemaDef> = PUBLISHED_SCHEMAS): DataModelDecl[] {
  const names = new Set(allTables(schemas).map((t) => qualifiedName(t).toLowerCase()));
  return DATA_MODEL_TABLES.filter((d) => names.has(d.table)).map((d) => d.model);
}

/** Everything the capabilities document states, as data. */
export interface CapabilitiesInput {
  /** Public base URL without trailing slash; the TAP service is at baseUrl + '/tap'. */
  baseUrl: string;
  limits: Config['limits'];
  outputFormats: ReadonlyArray<OutputFormat>;
  languageFeatures: ReadonlyArray<LanguageFeature>;
  uploadMethods: ReadonlyArray<string>;
  dataModels: ReadonlyArray<DataModelDecl>;
}

/** The capabilities input of this service: Config plus the real registries. */
export function serviceCapabilities(config: Readonly<Pick<Config, 'baseUrl' | 'limits'>>): CapabilitiesInput {
  return {
    baseUrl: config.baseUrl,
    limits: config.limits,
    outputFormats: OUTPUT_FORMATS,
    languageFeatures: languageFeatures(),
    uploadMethods: UPLOAD_METHODS,
    dataModels: declaredDataModels(),
  };
}

/** Groups features by type, keeping first-seen order of types and of forms within each type. */
function groupFeatures(features: ReadonlyArray<LanguageFeature>): Map<string, LanguageFeature[]> {
  const byType = new Map<string, LanguageFeature[]>();
  for (const f of features) {
    const list = byType.get(f.type) ?? [];
    list.push(f);
    byType.set(f.type, list);
  }
  return byType;
}

function paramHttp(cap: XMLBuilder, url: string, version?: string): XMLBuilder {
  const attrs: Record<string, string> = { 'xsi:type': 'vs:ParamHTTP', role: 'std' };
  if (version) attrs.version = version;
  const intf = cap.ele('interface', attrs);
  intf.ele('accessURL', { use: 'full' }).txt(url);
  return intf;
}

/** The input limits TAPRegExt 1.0 has no element for, as one sentence of the capability description. */
export function inputLimitsText(limits: Config['limits']): string {
  const a = limits.adql;
  return (
    `Input limits: ADQL queries of at most ${a.maxLength} characters, nesting ${a.maxNesting}, expression depth ${a.maxDepth} ` +
    `(one level per operator of a chain), subquery depth ${a.maxSubqueryDepth}, ${a.maxTables} tables per FROM clause; ` +
    `request bodies of at most ${limits.requestMaxBytes} bytes in ${limits.requestMaxParts} parts (form fields ${limits.formMaxBytes} bytes); ` +
    `at most ${limits.uploadMaxTables} uploads per request, each at most ${limits.uploadMaxBytes} bytes, ${limits.uploadMaxRows} rows ` +
    `and ${limits.uploadMaxColumns} columns; upload URLs must resolve to public addresses and answer within ${limits.uploadTimeoutS} s.`
  );
}

function addTapCapability(root: XMLBuilder, input: CapabilitiesInput): void {
  const { limits } = input;
  const cap = root.ele('capability', { standardID: STANDARD_ID.tap, 'xsi:type': 'tr:TableAccess' });
  cap
    .ele('description')
    .txt(
      `Synchronous queries (/sync) may take ${limits.syncQueryTimeoutS} s of database time before their first row ` +
        `(and per batch of rows after it) and ${limits.syncTimeoutS} s in all; use /async for longer queries. ` +
        'executionDuration below applies to async jobs. Every query runs READ ONLY as a role that can only read the ' +
        `published tables, with work_mem ${limits.syncWorkMemKb} kB (sync) / ${limits.asyncWorkMemKb} kB (async) and ` +
        `temp_file_limit ${limits.queryTempFileLimitKb} kB. ` +
        inputLimitsText(limits),
    );
  const intf = cap.ele('interface', { 'xsi:type': 'vs:ParamHTTP', role: 'std', version: '1.1' });
  intf.ele('accessURL', { use: 'base' }).txt(input.baseUrl + TAP_PATHS.base);

  for (const dm of input.dataModels) cap.ele('dataModel', { 'ivo-id': dm.ivoId }).txt(dm.name);

  const lang = cap.ele('language');
  lang.ele('name').txt('ADQL');
  for (const v of ADQL_VERSIONS) lang.ele('version', { 'ivo-id': v.ivoId }).txt(v.version);
  lang.ele('description').txt('Astronomical Data Query Language 2.1 (queries written for ADQL 2.0 are accepted too).');
  for (const [type, features] of groupFeatures(input.languageFeatures)) {
    const block = lang.ele('languageFeatures', { type });
    for (const f of features) {
      const feature = block.ele('feature');
      feature.ele('form').txt(f.form);
      if (f.description) feature.ele('description').txt(f.description);
    }
  }

  for (const f of input.outputFormats) {
    const of = cap.ele('outputFormat', f.ivoId ? { 'ivo-id': f.ivoId } : {});
    of.ele('mime').txt(f.mime);
    for (const a of f.aliases) of.ele('alias').txt(a);
  }

  for (const m of input.uploadMethods) cap.ele('uploadMethod', { 'ivo-id': m });

  const retention = cap.ele('retentionPeriod');
  retention.ele('default').txt(String(limits.retentionS));
  retention.ele('hard').txt(String(limits.retentionHardS));

  const execution = cap.ele('executionDuration');
  execution.ele('default').txt(String(limits.asyncExecutionS));
  execution.ele('hard').txt(String(limits.asyncExecutionHardS));

  const output = cap.ele('outputLimit');
  output.ele('default', { unit: 'row' }).txt(String(limits.maxrecDefault));
  output.ele('hard', { unit: 'row' }).txt(String(limits.maxrecHard));

  // TAPRegExt 1.0 allows one uploadLimit with one unit; bytes is what is checked before parsing. The row limit
  // (limits.uploadMaxRows) is enforced too and reported in the error message when hit.
  cap.ele('uploadLimit').ele('hard', { unit: 'byte' }).txt(String(limits.uploadMaxBytes));
}

/** Renders the VOSI capabilities document. */
export function capabilitiesXml(input: CapabilitiesInput): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(NS.vosiCapabilities, 'vosi:capabilities', {
    'xmlns:vr': NS.vr,
    'xmlns:vs': NS.vs,
    'xmlns:tr': NS.tr,
    'xmlns:xsi': NS.xsi,
  });
  addCapabilities(root, input);
  return root.end({ prettyPrint: true });
}

/** Adds the service's capability elements to a parent (the VOSI capabilities document, or a registry record's
 *  vs:CatalogService); the parent declares the vr, vs, tr and xsi prefixes. */
export function addCapabilities(root: XMLBuilder, input: CapabilitiesInput): void {
  const url = (path: string): string => input.baseUrl + path;

  addTapCapability(root, input);
  paramHttp(root.ele('capability', { standardID: STANDARD_ID.vosiCapabilities }), url(TAP_PATHS.capabilities));
  paramHttp(root.ele('capability', { standardID: STANDARD_ID.vosiAvailability }), url(TAP_PATHS.availability));
  paramHttp(root.ele('capability', { standardID: STANDARD_ID.vosiTables }), url(TAP_PATHS.tables), '1.1');

  const examples = root.ele('capability', { standardID: STANDARD_ID.daliExamples });
  examples.ele('interface', { 'xsi:type': 'vr:WebBrowser' }).ele('accessURL', { use: 'full' }).txt(url(TAP_PATHS.examples));

  const links = paramHttp(root.ele('capability', { standardID: STANDARD_ID.datalinkLinks }), url(TAP_PATHS.links));
  links.ele('queryType').txt('GET');
  links.ele('queryType').txt('POST');
  links.ele('resultType').txt(LINKS_CONTENT_TYPE);
  const id = links.ele('param', { std: 'true', use: 'required' });
  id.ele('name').txt('ID');
  id.ele('description').txt('Identifier of a CSC 2 master source (its name, e.g. 2CXO J110507.4-585105); repeatable.');
  id.ele('ucd').txt('meta.id;meta.main');
  id.ele('dataType').txt('string');
}
