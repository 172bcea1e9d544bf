/** ml.mw_counterpart: multiwavelength counterparts (Gaia, 2MASS, WISE photometry) of CSC2 master sources,
 *  the classifier's optional inputs. Loaded by ingest from files or filled by querying another TAP service. */
import { col } from '../column-helpers.js';
import type { ColumnDef, TableDef } from '../types.js';

const mag = (name: string, band: string, ucd: string, survey: string): ColumnDef[] => [
  col(name, 'double', 'mag', ucd, `${survey} ${band} magnitude of the counterpart`, { principal: true }),
  col(`e_${name}`, 'double', 'mag', 'stat.error;phot.mag', `Uncertainty of ${name}`),
];

export const mwCounterpart: TableDef = {
  schema: 'ml',
  name: 'mw_counterpart',
  description:
    'Multiwavelength counterparts of CSC2 master sources: Gaia G/BP/RP, 2MASS J/H/K and WISE W1-W3 photometry used ' +
    'as optional inputs of the source classifier. One row per source and origin of the match.',
  columns: [
    col('name', 'char', '', 'meta.id;meta.main', 'CSC2 master source name; joins csc2.master_source.name', { principal: true, required: true }),
    col('origin', 'char', '', 'meta.ref', 'Where the counterpart comes from: a file loaded by ingest or the TAP service it was fetched from', { principal: true, required: true }),
    ...mag('gmag', 'G', 'phot.mag;em.opt', 'Gaia'),
    ...mag('bpmag', 'BP', 'phot.mag;em.opt.B', 'Gaia'),
    ...mag('rpmag', 'RP', 'phot.mag;em.opt.R', 'Gaia'),
    ...mag('jmag', 'J', 'phot.mag;em.IR.J', '2MASS'),
    ...mag('hmag', 'H', 'phot.mag;em.IR.H', '2MASS'),
    ...mag('kmag', 'Ks', 'phot.mag;em.IR.K', '2MASS'),
    ...mag('w1mag', 'W1', 'phot.mag;em.IR.3-4um', 'WISE'),
    ...mag('w2mag', 'W2', 'phot.mag;em.IR.4-8um', 'WISE'),
    ...mag('w3mag', 'W3', 'phot.mag;em.IR.8-15um', 'WISE'),
  ],
  primaryKey: ['name', 'origin'],
  foreignKeys: [
    { id: 'ml_mw_counterpart_master', target: 'csc2.master_source', columns: [{ from: 'name', target: 'name' }], description: 'Master source of the counterpart', enforced: true },
  ],
  isCatalog: true,
};
