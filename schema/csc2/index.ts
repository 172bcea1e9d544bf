/** The csc2 schema: CSC 2 mirror tables with CSC 2's own names. */
import type { SchemaDef } from '../types.js';
import { masterStackAssoc, stackObservationAssoc } from './associations.js';
import { masterSource } from './master-source.js';
import { observationSource } from './observation-source.js';
import { stackSource } from './stack-source.js';

export const csc2Schema: SchemaDef = {
  name: 'csc2',
  description:
    'Mirror of the Chandra Source Catalog release 2 (Evans et al. 2024, ApJS 274, 22) with CSC 2 table and column ' +
    'names, so queries written for the CSC 2 TAP service run unchanged.',
  tables: [masterSource, masterStackAssoc, stackSource, stackObservationAssoc, observationSource],
};
