/** GET /registry/resource: the VOResource record a publishing registry harvests. Checked against the IVOA schemas
 *  with xmllint (test/fixtures/xsd/ORIGIN.md) and for what it says: identity from the configuration, the same
 *  capabilities and tables the VOSI endpoints publish. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import request from 'supertest';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { PUBLISHED_SCHEMAS, allTables, qualifiedName } from '../schema/index.js';
import { daliErrors } from '../server/error-middleware.js';
import { registerRegistryRoutes, resourceRecordXml } from '../server/registry/index.js';
import { testLogger } from './helpers/logger.js';

const config = loadConfig({
  XTAP_BASE_URL: 'https://xtap.example.org/prefix',
  XTAP_IVOID: 'ivo://example.org/xtap/csc2',
  XTAP_PUBLISHER: 'Example Observatory Data Centre',
  XTAP_CONTACT_NAME: 'Archive help desk',
  XTAP_CONTACT_EMAIL: 'help@example.org',
});
const started = new Date('2026-02-03T04:05:06.789Z');

function app(): Koa {
  const a = new Koa();
  const router = new Router();
  a.use(daliErrors(testLogger().log));
  registerRegistryRoutes(router, { config, startedAt: started });
  a.use(router.routes());
  a.use(router.allowedMethods());
  return a;
}

type XNode = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: false, isArray: (name) => ['capability', 'schema', 'table', 'subject', 'interface'].includes(name) });

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const requireTools = Boolean(process.env.XTAP_REQUIRE_TOOLS);
const itXsd = hasXmllint || requireTools ? it : it.skip;

describe('GET /registry/resource', () => {
  it('answers an ri:Resource of type vs:CatalogService with the configured identity', async () => {
    const res = await request(app().callback()).get('/registry/resource').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const root = (parser.parse(res.text) as XNode)['ri:Resource'] as XNode;
    expect(root['@xmlns:ri']).toBe('http://www.ivoa.net/xml/RegistryInterface/v1.0');
    expect(root['@xsi:type']).toBe('vs:CatalogService');
    expect(root['@created']).toBe('2026-02-03T04:05:06Z');
    expect(root['@status']).toBe('active');
    expect(root.identifier).toBe('ivo://example.org/xtap/csc2');
    const curation = root.curation as XNode;
    expect(curation.publisher).toBe('Example Observatory Data Centre');
    expect(curation.contact).toEqual({ name: 'Archive help desk', email: 'help@example.org' });
    expect((root.content as XNode).referenceURL).toBe('https://xtap.example.org/prefix/');
  });

  it('carries the TAP capability at the base URL and the VOSI ones, and every published table with its columns', async () => {
    const root = (parser.parse(resourceRecordXml({ config, created: started, updated: started })) as XNode)['ri:Resource'] as XNode;
    const caps = root.capability as XNode[];
    const tap = caps.find((c) => c['@standardID'] === 'ivo://ivoa.net/std/TAP');
    expect(tap?.['@xsi:type']).toBe('tr:TableAccess');
    expect(((tap?.interface as XNode[])[0]?.accessURL as XNode)['#text']).toBe('https://xtap.example.org/prefix/tap');
    expect(caps.map((c) => c['@standardID'])).toEqual(expect.arrayContaining(['ivo://ivoa.net/std/VOSI#capabilities', 'ivo://ivoa.net/std/VOSI#tables-1.1', 'ivo://ivoa.net/std/DataLink#links-1.1']));
    const schemas = (root.tableset as XNode).schema as XNode[];
    const tables = schemas.flatMap((s) => (s.table as XNode[]).map((t) => String(t.name)));
    expect(tables).toEqual(allTables(PUBLISHED_SCHEMAS).map(qualifiedName));
    const master = schemas.flatMap((s) => s.table as XNode[]).find((t) => t.name === 'csc2.master_source') as XNode;
    expect((master.column as unknown[]).length).toBeGreaterThan(500);
  });

  it('answers 405 to other methods', async () => {
    await request(app().callback()).post('/registry/resource').expect(405);
  });

  function xmllint(xml: string): { status: number | null; file: string; output: string } {
    const file = join(mkdtempSync(join(tmpdir(), 'xtap-registry-')), 'resource.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(process.cwd(), 'test', 'fixtures', 'xsd', 'registry-resource.xsd'), file], { encoding: 'utf8' });
    return { status: r.status, file, output: `${r.stdout}${r.stderr}`.split('\n').filter((l) => l && !l.includes('Skipping import')).join('\n') };
  }

  itXsd('validates against VOResource 1.1, VODataService 1.2 and TAPRegExt 1.0 (xmllint), and the check bites', () => {
    const xml = resourceRecordXml({ config, created: started, updated: started });
    const good = xmllint(xml);
    expect(good.output).toBe(`${good.file} validates`);
    expect(good.status).toBe(0);
    // the same record with curation after content is invalid: the schemas are really applied
    const swapped = xml.replace(/(\s*<curation>[\s\S]*?<\/curation>)(\s*<content>[\s\S]*?<\/content>)/, '$2$1');
    expect(swapped).not.toBe(xml);
    const bad = xmllint(swapped);
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/Element 'content': This element is not expected/);
  });

  it('refuses a malformed XTAP_IVOID or contact address at start-up', () => {
    expect(() => loadConfig({ XTAP_IVOID: 'http://example.org/xtap' })).toThrow(ConfigError);
    expect(() => loadConfig({ XTAP_CONTACT_EMAIL: 'not an address' })).toThrow(/XTAP_CONTACT_EMAIL/);
  });
});
