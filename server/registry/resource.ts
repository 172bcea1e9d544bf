/** The service's VOResource record (VOResource 1.1, VODataService 1.2 vs:CatalogService, TAPRegExt 1.0
 *  capabilities), as a publishing registry harvests it (Registry Interface 1.1 §2: an ri:Resource element).
 *  Pure: identity from Config.registry, capabilities and tableset from the generators VOSI serves, so the record
 *  says what /tap/capabilities and /tap/tables say. */
import { create } from 'xmlbuilder2';
import type { Config } from '../../config/index.js';
import { addCapabilities, addSchemas, serviceCapabilities, NS } from '../vosi/index.js';

export const RI_NS = 'http://www.ivoa.net/xml/RegistryInterface/v1.0';

export interface ResourceRecordInput {
  config: Readonly<Pick<Config, 'baseUrl' | 'limits' | 'registry'>>;
  /** created/updated of the record (ISO 8601, UTC). */
  created: Date;
  updated: Date;
}

/** ISO 8601 without milliseconds, which is what registries expect in created/updated. */
function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function resourceRecordXml(input: ResourceRecordInput): string {
  const { config } = input;
  const r = config.registry;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(RI_NS, 'ri:Resource', {
    'xmlns:vr': NS.vr,
    'xmlns:vs': NS.vs,
    'xmlns:tr': NS.tr,
    'xmlns:xsi': NS.xsi,
    'xsi:type': 'vs:CatalogService',
    created: isoSeconds(input.created),
    updated: isoSeconds(input.updated),
    status: 'active',
  });
  root.ele('title').txt('xtap: Chandra Source Catalog 2 with machine-learning classifications and event-file products');
  root.ele('shortName').txt('xtap CSC2');
  root.ele('identifier').txt(r.ivoid);

  const curation = root.ele('curation');
  curation.ele('publisher').txt(r.publisher);
  curation.ele('creator').ele('name').txt(r.publisher);
  const contact = curation.ele('contact');
  contact.ele('name').txt(r.contactName);
  if (r.contactEmail) contact.ele('email').txt(r.contactEmail);

  const content = root.ele('content');
  // Unified Astronomy Thesaurus concepts (VOResource 1.1 recommends UAT for subject).
  for (const s of ['x-ray-astronomy', 'x-ray-sources', 'catalogs', 'classification']) content.ele('subject').txt(s);
  content
    .ele('description')
    .txt(
      'A TAP 1.1 service publishing a mirror of the Chandra Source Catalog release 2 (master, stack and ' +
        'per-observation detections with their associations) together with machine-learning products computed on ' +
        'ingest: per-source class probabilities with Monte-Carlo uncertainties and their provenance (schema ml), ' +
        'and representations of X-ray event files (energy-time and dE-dT maps, embeddings, anomaly scores), ' +
        'reachable from each source through DataLink.',
    );
  content.ele('source', { format: 'bibcode' }).txt('2024ApJS..274...22E');
  content.ele('referenceURL').txt(`${config.baseUrl}/`);
  content.ele('type').txt('Catalog');
  content.ele('contentLevel').txt('Research');

  addCapabilities(root, serviceCapabilities(config));
  addSchemas(root.ele('tableset'), 'max');
  return root.end({ prettyPrint: true });
}
