/** DataLink service descriptors (DataLink 1.1 §4) for result tables holding event-file IDs (ml.event_file,
 *  ml.event, ml.event_representation and joins on them): a {links} descriptor whose ID comes from the
 *  event_file_id column (pyvo's `DALResults.iter_datalinks()` follows it), and one descriptor per product with
 *  every parameter documented (name, unit, allowed values), so a client can call a product with its own bin,
 *  band or format. Pure. */
import type { ColumnMeta } from '../schema/index.js';
import type { ServiceDescriptor, VotableParamSpec } from '../votable/document.js';

export const DATALINK_LINKS_STANDARD_ID = 'ivo://ivoa.net/std/DataLink#links-1.1';

function isEventFileIdColumn(c: ColumnMeta): boolean {
  return c.datatype === 'char' && c.name.toLowerCase() === 'event_file_id';
}

const fmt = (options: string[], description: string): VotableParamSpec => ({
  name: 'RESPONSEFORMAT', datatype: 'char', arraysize: '*', value: options[0], description, values: { options: options.map((value) => ({ value })) },
});
const energy = (name: 'emin' | 'emax', what: string): VotableParamSpec => ({
  name, datatype: 'double', value: '', ucd: 'em.energy', description: `${what} of the energy band, in the unit of eunit (eV by default)`,
});
const EUNIT: VotableParamSpec = { name: 'eunit', datatype: 'char', arraysize: '*', value: 'eV', description: 'Unit of emin, emax and edges', values: { options: [{ value: 'eV' }, { value: 'keV' }] } };
const SCALE: VotableParamSpec = { name: 'scale', datatype: 'int', value: '16', description: 'PNG pixels per map cell (1-64)', values: { min: '1', max: '64' } };

/** The product descriptors: each names its endpoint and documents its parameters (docs/PRODUCTS.md). */
function productDescriptors(baseUrl: string, idParam: VotableParamSpec): ServiceDescriptor[] {
  const url = (p: string) => `${baseUrl}/tap/products/${p}`;
  return [
    {
      ID: 'product_events', name: 'events', accessURL: url('events'), contentType: 'application/fits',
      description: 'Event list of the file: the original FITS (default) or, with RESPONSEFORMAT=votable, a redirect to the TAP query on ml.event',
      inputParams: [idParam, fmt(['application/fits', 'votable'], 'fits: the archived file byte for byte; votable: the events as a TAP result')],
    },
    {
      ID: 'product_lightcurve', name: 'lightcurve', accessURL: url('lightcurve'), contentType: 'application/x-votable+xml',
      description: 'Light curve in the good time intervals: VOTable or OGIP FITS (RATE: TIME, TIMEDEL, RATE, ERROR; GTI)',
      inputParams: [
        idParam,
        { name: 'bin', datatype: 'double', unit: 's', value: '900', ucd: 'time.interval', description: 'Bin width in seconds (required), e.g. 900 or 9000' },
        energy('emin', 'Lower edge'), energy('emax', 'Upper edge'), EUNIT,
        fmt(['application/x-votable+xml', 'application/fits'], 'VOTable or OGIP light-curve FITS'),
      ],
    },
    {
      ID: 'product_spectrum', name: 'spectrum', accessURL: url('spectrum'), contentType: 'application/x-votable+xml',
      description: 'Counts spectrum: VOTable binned by edges or emin/emax/bins, or OGIP PHA type I FITS over the 1024 PI channels (RESPFILE/ANCRFILE none)',
      inputParams: [
        idParam,
        { name: 'edges', datatype: 'char', arraysize: '*', value: '', description: 'Comma-separated bin edges in eunit (VOTable only)' },
        energy('emin', 'Lower edge (default 300 eV)'), energy('emax', 'Upper edge (default 11000 eV)'),
        { name: 'bins', datatype: 'int', value: '107', description: 'Number of equal bins between emin and emax (VOTable only)' },
        EUNIT,
        fmt(['application/x-votable+xml', 'application/fits'], 'VOTable or OGIP PHA type I FITS'),
      ],
    },
    {
      ID: 'product_etmap', name: 'etmap', accessURL: url('etmap'), contentType: 'image/png',
      description: 'E-t map (counts per time x log-energy cell, 0.5-7 keV): PNG with axes and colour bar, or FITS image with CTYPE/CRVAL/CDELT/CRPIX/CUNIT',
      inputParams: [idParam, SCALE, fmt(['image/png', 'application/fits'], 'PNG plot or FITS image')],
    },
    {
      ID: 'product_dedt', name: 'dedt', accessURL: url('dedt'), contentType: 'image/png',
      description: 'dEdT map (fraction of event pairs per time lag x log-energy lag): PNG with axes and log colour bar, or FITS image (lag edges in extension LAG_EDGES)',
      inputParams: [idParam, SCALE, fmt(['image/png', 'application/fits'], 'PNG plot or FITS image')],
    },
  ];
}

/** Descriptors for a result with an event_file_id column; none otherwise. */
export function eventFileDescriptors(columns: ReadonlyArray<ColumnMeta>, baseUrl: string): ServiceDescriptor[] {
  const column = columns.find(isEventFileIdColumn);
  if (!column) return [];
  const ref = { field: column.name };
  const links: ServiceDescriptor = {
    ID: 'datalink_event_links',
    name: 'event-file links',
    description: 'DataLink {links} for the event file in this row: original FITS, events, light curves, spectra (VOTable, OGIP FITS), E-t and dEdT maps, ML representation',
    accessURL: `${baseUrl}/tap/links`,
    standardID: DATALINK_LINKS_STANDARD_ID,
    contentType: 'application/x-votable+xml;content=datalink',
    inputParams: [{ name: 'ID', datatype: 'char', arraysize: '*', value: '', ucd: 'meta.id', ref, description: 'ml.event_file.event_file_id' }],
  };
  const idParam: VotableParamSpec = { name: 'event_file', datatype: 'char', arraysize: '*', value: '', ucd: 'meta.id', ref, description: 'ml.event_file.event_file_id' };
  return [links, ...productDescriptors(baseUrl, idParam)];
}
