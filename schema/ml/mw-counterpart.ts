/** ml.mw_counterpart: multiwavelength counterparts (Gaia, 2MASS, WISE photometry) of CSC2 master sources,
 *  the classifier's optional inputs. Loaded by ingest from files or filled by querying another TAP service. */
import { col } from '../column-helpers.js';
import type { ColumnDef, TableDef } from '../types.js';

/** The one list of counterpart magnitudes (column names, in column order): Gaia G/BP/RP, 2MASS J/H/Ks, WISE W1-W3.
 *  Each has an error column e_<name>. The classifier's inputs and the counterpart loader are keyed by it. */
export const MW_MAGNITUDES = ['gmag', 'bpmag', 'rpmag', 'jmag', 'hmag', 'kmag', 'w1mag', 'w2mag', 'w3mag'] as const;
export type MwMagnitude = (typeof MW_MAGNITUDES)[number];

/** Band, UCD and survey of each magnitude. */
export const MW_BANDS: Readonly<Record<MwMagnitude, { band: string; ucd: string; survey: string }>> = {
  gmag: { band: 'G', ucd: 'phot.mag;em.opt', survey: 'Gaia' },
  bpmag: { band: 'BP', ucd: 'phot.mag;em.opt.B', survey: 'Gaia' },
  rpmag: { band: 'RP', ucd: 'phot.mag;em.opt.R', survey: 'Gaia' },
  jmag: { band: 'J', ucd: 'phot.mag;em.IR.J', survey: '2MASS' },
  hmag: { band: 'H', ucd: 'phot.mag;em.IR.H', survey: '2MASS' },
  kmag: { band: 'Ks', ucd: 'phot.mag;em.IR.K', survey: '2MASS' },
  w1mag: { band: 'W1', ucd: 'phot.mag;em.IR.3-4um', survey: 'WISE' },
  w2mag: { band: 'W2', ucd: 'phot.mag;em.IR.4-8um', survey: 'WISE' },
  w3mag: { band: 'W3', ucd: 'phot.mag;em.IR.8-15um', survey: 'WISE' },
};

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
    ...MW_MAGNITUDES.flatMap((m) => mag(m, MW_BANDS[m].band, MW_BANDS[m].ucd, MW_BANDS[m].survey)),
  ],
  primaryKey: ['name', 'origin'],
  foreignKeys: [
    { id: 'ml_mw_counterpart_master', target: 'csc2.master_source', columns: [{ from: 'name', target: 'name' }], description: 'Master source of the counterpart', enforced: true },
  ],
  isCatalog: true,
};
