/** The INFO elements every result VOTable carries before its TABLE (DALI 1.1 §4.4.3, TAP 1.1 §3.1). */
import type { VotableInfo } from '../votable/document.js';

export const SERVICE_NAME = 'xtap';
export const SERVICE_VERSION = '0.1.0';
/** CSC 2 catalogue paper (Evans et al. 2024, ApJS 274, 22). */
export const CSC2_BIBCODE = '2024ApJS..274...22E';

export function resultInfos(query: string, extra: ReadonlyArray<VotableInfo> = []): VotableInfo[] {
  return [
    { name: 'standardID', value: 'ivo://ivoa.net/std/TAP' },
    { name: 'QUERY', value: query },
    { name: 'citation', value: CSC2_BIBCODE, ucd: 'meta.bib.bibcode', content: 'Chandra Source Catalog release 2: Evans, I. N., et al. 2024, ApJS, 274, 22' },
    { name: 'service', value: SERVICE_NAME, content: `${SERVICE_NAME} ${SERVICE_VERSION}` },
    { name: 'request_date', value: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    ...extra,
  ];
}
