/** DataLink service descriptors for result tables (DataLink 1.1 §4): a result that carries CSC2 source names
 *  gets a descriptor pointing at our {links} endpoint, with ID taken from that column, so TOPCAT and pyvo can
 *  follow each row to its detections and products. */
import type { ColumnMeta } from '../schema/index.js';
import type { ServiceDescriptor } from '../votable/document.js';
import { eventFileDescriptors } from './event-file-descriptors.js';

/** True for a column holding CSC2 master source names: the schema flags them (role 'source-name'). */
function isSourceNameColumn(c: ColumnMeta): boolean {
  return c.role === 'source-name';
}

export function serviceDescriptorsFor(columns: ReadonlyArray<ColumnMeta>, baseUrl: string): ServiceDescriptor[] {
  const nameColumn = columns.find(isSourceNameColumn);
  // Event-file results (./event-file-descriptors.ts) carry {links} and product descriptors of their own.
  if (!nameColumn) return eventFileDescriptors(columns, baseUrl);
  return [
    {
      ID: 'datalink_links',
      name: 'links',
      description: 'DataLink {links} for the CSC2 source in this row: its stack and observation detections, event files and ML products',
      accessURL: `${baseUrl}/tap/links`,
      standardID: 'ivo://ivoa.net/std/DataLink#links-1.1',
      contentType: 'application/x-votable+xml;content=datalink',
      inputParams: [
        { name: 'ID', datatype: 'char', arraysize: '*', value: '', ucd: 'meta.id;meta.main', ref: { field: nameColumn.name }, description: 'CSC2 master source name' },
      ],
    },
    ...eventFileDescriptors(columns, baseUrl),
  ];
}
