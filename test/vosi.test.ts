/** VOSI capabilities and tables over HTTP: document structure (XPath-like assertions on the parsed XML), values
 *  equal to their one source (Config, votable/formats.ts, adql/features.ts, the schema metadata that TAP_SCHEMA is
 *  generated from), XSD validity with xmllint against the IVOA schemas taplint uses, and HTTP behaviour (405,
 *  404 DALI error, Last-Modified). */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import request from 'supertest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { isReservedWord, languageFeatures } from '../adql/index.js';
import { loadConfig } from '../config/index.js';
import { PUBLISHED_SCHEMAS, TAP_SCHEMA_COLUMN_ORDER, allTables, qualifiedName, tapSchemaRows } from '../schema/index.js';
import { daliErrors } from '../server/error-middleware.js';
import { registerVosiRoutes } from '../server/vosi/index.js';
import { OUTPUT_FORMATS } from '../votable/index.js';
import { testLogger } from './helpers/logger.js';

const BASE = 'https://xtap.example.org/prefix';
const config = loadConfig({
  XTAP_BASE_URL: BASE,
  XTAP_MAXREC_DEFAULT: '12345',
  XTAP_MAXREC_HARD: '678901',
  XTAP_ASYNC_EXECUTION_S: '111',
  XTAP_ASYNC_EXECUTION_HARD_S: '2222',
  XTAP_RETENTION_S: '3333',
  XTAP_RETENTION_HARD_S: '44444',
  XTAP_UPLOAD_MAX_BYTES: '5555555',
});

function vosiApp(): Koa {
  const app = new Koa();
  const router = new Router();
  app.use(daliErrors(testLogger().log));
  registerVosiRoutes(router, { config });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

// ---- a tiny typed view of fast-xml-parser output (no `any`) ----
type XNode = { [key: string]: unknown };
const REPEATED = new Set([
  'capability', 'interface', 'version', 'languageFeatures', 'feature', 'outputFormat', 'alias', 'uploadMethod',
  'dataModel', 'queryType', 'param', 'schema', 'table', 'column', 'flag', 'foreignKey', 'fkColumn',
]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  alwaysCreateTextNode: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && REPEATED.has(name),
});
function parse(xml: string): XNode {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as XNode;
}
const isNode = (v: unknown): v is XNode => typeof v === 'object' && v !== null && !Array.isArray(v);
function all(n: XNode, key: string): XNode[] {
  const v = n[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter(isNode);
}
function one(n: XNode, key: string): XNode {
  const list = all(n, key);
  expect(list, `exactly one <${key}>`).toHaveLength(1);
  return list[0] as XNode;
}
function text(n: XNode | undefined): string | undefined {
  const t = n?.['#text'];
  return typeof t === 'string' ? t : undefined;
}
const childText = (n: XNode, key: string): string | undefined => text(all(n, key)[0]);
const attr = (n: XNode, name: string): string | undefined => {
  const v = n[`@${name}`];
  return typeof v === 'string' ? v : undefined;
};

// ---- xmllint against the IVOA schemas (test/fixtures/xsd/ORIGIN.md) ----
const XSD_DIR = join(process.cwd(), 'test', 'fixtures', 'xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const requireTools = Boolean(process.env.XTAP_REQUIRE_TOOLS);
if (!hasXmllint && !requireTools) {
  console.warn('[vosi.test] xmllint not found: XSD validation tests are SKIPPED (apt-get install libxml2-utils; set XTAP_REQUIRE_TOOLS=1 to fail instead)');
}
const tmp = mkdtempSync(join(tmpdir(), 'xtap-vosi-'));
function xmllint(xml: string, driver: 'capabilities.xsd' | 'tables.xsd'): { ok: boolean; output: string } {
  const file = join(tmp, `doc-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(XSD_DIR, driver), file], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && output.includes('validates'), output: output.split('\n').filter((l) => !l.includes('Skipping import')).join('\n') };
}
const describeXsd = hasXmllint || requireTools ? describe : describe.skip;

describe('GET /tap/capabilities', () => {
  const app = vosiApp();

  async function capabilities(): Promise<XNode> {
    const res = await request(app.callback()).get('/tap/capabilities').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    return one(parse(res.text), 'vosi:capabilities');
  }
  const tapCapability = (root: XNode): XNode => {
    const taps = all(root, 'capability').filter((c) => attr(c, 'standardID') === 'ivo://ivoa.net/std/TAP');
    expect(taps).toHaveLength(1);
    return taps[0] as XNode;
  };

  it('declares xmlns and exactly one TAP capability of type tr:TableAccess at the base URL, TAP 1.1', async () => {
    const root = await capabilities();
    expect(attr(root, 'xmlns:vosi')).toBe('http://www.ivoa.net/xml/VOSICapabilities/v1.0');
    expect(attr(root, 'xmlns:tr')).toBe('http://www.ivoa.net/xml/TAPRegExt/v1.0');
    expect(attr(root, 'xmlns:vs')).toBe('http://www.ivoa.net/xml/VODataService/v1.1');
    expect(attr(root, 'xmlns:vr')).toBe('http://www.ivoa.net/xml/VOResource/v1.0');
    const tap = tapCapability(root);
    expect(attr(tap, 'xsi:type')).toBe('tr:TableAccess');
    const intf = one(tap, 'interface');
    expect([attr(intf, 'xsi:type'), attr(intf, 'role'), attr(intf, 'version')]).toEqual(['vs:ParamHTTP', 'std', '1.1']);
    const url = one(intf, 'accessURL');
    expect([attr(url, 'use'), text(url)]).toEqual(['base', `${BASE}/tap`]);
  });

  it('states the input limits in the TAP capability description', async () => {
    const desc = text(one(tapCapability(await capabilities()), 'description'));
    expect(desc).toContain('Input limits: ADQL queries of at most 100000 characters, nesting 150, expression depth 500');
    expect(desc).toContain('request bodies of at most 67108864 bytes in 64 parts');
    expect(desc).toContain('each at most 5555555 bytes, 1000000 rows and 1000 columns');
  });

  it('declares the VOSI, DALI examples and DataLink capabilities at their URLs', async () => {
    const root = await capabilities();
    const byId = new Map(all(root, 'capability').map((c) => [attr(c, 'standardID'), c]));
    const expected: Array<[string, string, string]> = [
      ['ivo://ivoa.net/std/VOSI#capabilities', 'vs:ParamHTTP', '/tap/capabilities'],
      ['ivo://ivoa.net/std/VOSI#availability', 'vs:ParamHTTP', '/tap/availability'],
      ['ivo://ivoa.net/std/VOSI#tables-1.1', 'vs:ParamHTTP', '/tap/tables'],
      ['ivo://ivoa.net/std/DALI#examples', 'vr:WebBrowser', '/tap/examples'],
      ['ivo://ivoa.net/std/DataLink#links-1.1', 'vs:ParamHTTP', '/tap/links'],
    ];
    for (const [id, type, path] of expected) {
      const cap = byId.get(id);
      expect(cap, id).toBeDefined();
      const intf = one(cap as XNode, 'interface');
      expect([attr(intf, 'xsi:type'), text(one(intf, 'accessURL'))], id).toEqual([type, `${BASE}${path}`]);
      if (type === 'vs:ParamHTTP') expect(attr(intf, 'role'), id).toBe('std');
    }
    expect(all(root, 'capability')).toHaveLength(expected.length + 1);
  });

  it('declares ADQL 2.0 and 2.1 and exactly the language features and UDFs of the ADQL registry', async () => {
    const lang = one(tapCapability(await capabilities()), 'language');
    expect(childText(lang, 'name')).toBe('ADQL');
    expect(all(lang, 'version').map((v) => [text(v), attr(v, 'ivo-id')])).toEqual([
      ['2.0', 'ivo://ivoa.net/std/ADQL#v2.0'],
      ['2.1', 'ivo://ivoa.net/std/ADQL#v2.1'],
    ]);
    const declared = all(lang, 'languageFeatures').flatMap((block) =>
      all(block, 'feature').map((f) => ({ type: attr(block, 'type'), form: childText(f, 'form'), description: childText(f, 'description') })),
    );
    const registry = languageFeatures().map((f) => ({ type: f.type, form: f.form, description: f.description }));
    expect(declared).toEqual(registry);
    const types = all(lang, 'languageFeatures').map((b) => attr(b, 'type'));
    expect(new Set(types).size, 'one languageFeatures block per type').toBe(types.length);
    expect(types).toContain('ivo://ivoa.net/std/TAPRegExt#features-udf');
    expect(types).toContain('ivo://ivoa.net/std/TAPRegExt#features-adqlgeo');
  });

  it('lists the output formats of votable/formats.ts with mime, aliases and ivo-id', async () => {
    const formats = all(tapCapability(await capabilities()), 'outputFormat').map((f) => ({
      ivoId: attr(f, 'ivo-id'),
      mime: childText(f, 'mime'),
      aliases: all(f, 'alias').map((a) => text(a)),
    }));
    expect(formats).toEqual(OUTPUT_FORMATS.map((f) => ({ ivoId: f.ivoId, mime: f.mime, aliases: [...f.aliases] })));
  });

  it('declares the upload methods and every limit with the values of Config', async () => {
    const tap = tapCapability(await capabilities());
    expect(all(tap, 'uploadMethod').map((m) => attr(m, 'ivo-id'))).toEqual([
      'ivo://ivoa.net/std/TAPRegExt#upload-inline',
      'ivo://ivoa.net/std/TAPRegExt#upload-http',
      'ivo://ivoa.net/std/TAPRegExt#upload-https',
    ]);
    const limit = (el: string, which: 'default' | 'hard'): [string | undefined, string | undefined] => {
      const n = all(one(tap, el), which)[0];
      return [text(n), n ? attr(n, 'unit') : undefined];
    };
    expect(limit('retentionPeriod', 'default')).toEqual(['3333', undefined]);
    expect(limit('retentionPeriod', 'hard')).toEqual(['44444', undefined]);
    expect(limit('executionDuration', 'default')).toEqual(['111', undefined]);
    expect(limit('executionDuration', 'hard')).toEqual(['2222', undefined]);
    expect(limit('outputLimit', 'default')).toEqual(['12345', 'row']);
    expect(limit('outputLimit', 'hard')).toEqual(['678901', 'row']);
    expect(limit('uploadLimit', 'hard')).toEqual(['5555555', 'byte']);
    expect(all(one(tap, 'uploadLimit'), 'default')).toEqual([]);
    expect(attr(one(tap, 'executionDuration'), 'forMode'), 'forMode is TAPRegExt 1.1, not in the 1.0 XSD').toBeUndefined();
    expect(all(tap, 'dataModel'), 'no ObsCore table yet').toEqual([]);
  });

  it('sends Last-Modified and answers a matching If-Modified-Since with 304', async () => {
    const res = await request(app.callback()).get('/tap/capabilities').expect(200);
    const lastModified = res.headers['last-modified'];
    expect(typeof lastModified).toBe('string');
    expect(Date.parse(String(lastModified))).toBeLessThanOrEqual(Date.now());
    await request(app.callback()).get('/tap/capabilities').set('If-Modified-Since', String(lastModified)).expect(304);
  });

  it.each(['post', 'put', 'delete'] as const)('answers %s with 405 and Allow', async (method) => {
    const res = await request(app.callback())[method]('/tap/capabilities').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('GET /tap/tables', () => {
  const app = vosiApp();
  const rows = tapSchemaRows(PUBLISHED_SCHEMAS, isReservedWord);
  const record = (table: keyof typeof rows, row: unknown[]): Record<string, unknown> =>
    Object.fromEntries(TAP_SCHEMA_COLUMN_ORDER[table].map((c, i) => [c, row[i]]));
  const tapTables = rows.tables.map((r) => record('tables', r));
  const tapColumns = rows.columns.map((r) => record('columns', r));

  async function tableset(query = ''): Promise<XNode> {
    const res = await request(app.callback()).get(`/tap/tables${query}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.headers['last-modified']).toBeDefined();
    return one(parse(res.text), 'vosi:tableset');
  }

  it('defaults to detail=min: every schema and table with descriptions, no columns', async () => {
    const root = await tableset();
    expect(all(root, 'schema').map((s) => childText(s, 'name'))).toEqual(PUBLISHED_SCHEMAS.map((s) => s.name));
    const tables = all(root, 'schema').flatMap((s) => all(s, 'table'));
    expect(tables.map((t) => childText(t, 'name'))).toEqual(tapTables.map((t) => t.table_name));
    expect(tables.map((t) => childText(t, 'description'))).toEqual(tapTables.map((t) => t.description));
    expect(tables.flatMap((t) => all(t, 'column'))).toEqual([]);
    expect(await tableset('?DETAIL=min')).toEqual(root);
  });

  it('detail=max agrees with the TAP_SCHEMA rows column by column (taplint TMC)', async () => {
    const root = await tableset('?detail=max');
    const tables = all(root, 'schema').flatMap((s) => all(s, 'table'));
    expect(tables.map((t) => [childText(t, 'name'), attr(t, 'type')])).toEqual(tapTables.map((t) => [t.table_name, t.table_type]));
    const published = tables.flatMap((t) =>
      all(t, 'column').map((c) => {
        const dt = one(c, 'dataType');
        const flags = all(c, 'flag').map((f) => text(f));
        return {
          table_name: childText(t, 'name'),
          column_name: childText(c, 'name'),
          utype: childText(c, 'utype') ?? null,
          ucd: childText(c, 'ucd') ?? null,
          unit: childText(c, 'unit') ?? null,
          description: childText(c, 'description'),
          datatype: text(dt),
          arraysize: attr(dt, 'arraysize') ?? null,
          xtype: attr(dt, 'extendedType') ?? null,
          principal: flags.includes('principal') ? 1 : 0,
          indexed: flags.includes('indexed') ? 1 : 0,
          std: attr(c, 'std') === 'true' ? 1 : 0,
          dataTypeKind: attr(dt, 'xsi:type'),
        };
      }),
    );
    const expected = tapColumns.map((c) => ({
      table_name: c.table_name, column_name: c.column_name, utype: c.utype, ucd: c.ucd, unit: c.unit,
      description: c.description, datatype: c.datatype, arraysize: c.arraysize, xtype: c.xtype,
      principal: c.principal, indexed: c.indexed, std: c.std, dataTypeKind: 'vs:VOTableType',
    }));
    expect(published).toHaveLength(expected.length);
    expect(published).toEqual(expected);
    const master = tables.find((t) => childText(t, 'name') === 'csc2.master_source');
    expect(all(master as XNode, 'column')).toHaveLength(516);
  });

  it('detail=max carries every foreign key of TAP_SCHEMA.keys / key_columns', async () => {
    const root = await tableset('?detail=max');
    const published = all(root, 'schema')
      .flatMap((s) => all(s, 'table'))
      .flatMap((t) =>
        all(t, 'foreignKey').map((k) => ({
          from: childText(t, 'name'),
          target: childText(k, 'targetTable'),
          columns: all(k, 'fkColumn').map((c) => [childText(c, 'fromColumn'), childText(c, 'targetColumn')]),
        })),
      );
    const keys = rows.keys.map((r) => record('keys', r));
    const keyColumns = rows.key_columns.map((r) => record('key_columns', r));
    const expected = keys.map((k) => ({
      from: k.from_table,
      target: k.target_table,
      columns: keyColumns.filter((c) => c.key_id === k.key_id).map((c) => [c.from_column, c.target_column]),
    }));
    expect(published).toEqual(expected);
    expect(published.length).toBeGreaterThanOrEqual(8);
  });

  it('rejects an unknown detail value with a DALI error', async () => {
    const res = await request(app.callback()).get('/tap/tables?detail=everything').expect(400);
    expect(res.text).toContain('QUERY_STATUS');
    expect(res.text).toContain('detail must be');
  });

  it.each(['post', 'put', 'delete'] as const)('answers %s with 405', async (method) => {
    await request(app.callback())[method]('/tap/tables').expect(405);
    await request(app.callback())[method]('/tap/tables/csc2.master_source').expect(405);
  });
});

describe('GET /tap/tables/{schema.table}', () => {
  const app = vosiApp();

  it.each(allTables().map((t) => qualifiedName(t)))('%s is a vosi:table with all its columns', async (name) => {
    const res = await request(app.callback()).get(`/tap/tables/${encodeURIComponent(name)}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const table = one(parse(res.text), 'vosi:table');
    expect(childText(table, 'name')).toBe(name);
    const def = allTables().find((t) => qualifiedName(t) === name);
    expect(all(table, 'column')).toHaveLength(def?.columns.length ?? -1);
  });

  it('matches the table name case-insensitively and publishes reserved words delimited ("size")', async () => {
    const res = await request(app.callback()).get('/tap/tables/tap_schema.COLUMNS').expect(200);
    const names = all(one(parse(res.text), 'vosi:table'), 'column').map((c) => childText(c, 'name'));
    expect(names).toContain('"size"');
    expect(names).not.toContain('size');
  });

  it('answers an unknown table with 404 and a DALI error document', async () => {
    const res = await request(app.callback()).get('/tap/tables/csc2.no_such_table').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/x-votable\+xml/);
    expect(res.text).toMatch(/<INFO name="QUERY_STATUS" value="ERROR">[^<]*csc2\.no_such_table/);
  });
});

describeXsd('XSD validation with xmllint (IVOA schemas, as taplint CPV/TMV)', () => {
  const app = vosiApp();

  it('xmllint is installed (required when XTAP_REQUIRE_TOOLS is set)', () => {
    expect(hasXmllint).toBe(true);
    expect(execFileSync('xmllint', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBeDefined();
  });

  it('the capabilities document validates against VOSICapabilities + TAPRegExt 1.0 + VODataService', async () => {
    const res = await request(app.callback()).get('/tap/capabilities').expect(200);
    const r = xmllint(res.text, 'capabilities.xsd');
    expect(r.output).toContain('validates');
    expect(r.ok, r.output).toBe(true);
  });

  it.each(['?detail=min', '?detail=max'])('the tableset (%s) validates against VOSITables + VODataService', async (q) => {
    const res = await request(app.callback()).get(`/tap/tables${q}`).expect(200);
    const r = xmllint(res.text, 'tables.xsd');
    expect(r.ok, r.output).toBe(true);
  });

  it.each(allTables().map((t) => qualifiedName(t)))('the table document of %s validates', async (name) => {
    const res = await request(app.callback()).get(`/tap/tables/${encodeURIComponent(name)}`).expect(200);
    const r = xmllint(res.text, 'tables.xsd');
    expect(r.ok, r.output).toBe(true);
  });

  it('rejects an invalid document (the validation can fail)', () => {
    const r = xmllint('<vosi:tableset xmlns:vosi="http://www.ivoa.net/xml/VOSITables/v1.0"><bogus/></vosi:tableset>', 'tables.xsd');
    expect(r.ok).toBe(false);
  });
});
