/** ml.event_file, ml.event and ml.event_representation: X-ray event lists loaded by `xtap ingest events`, their
 *  events, and the per-model-version representations computed on ingest (E–t map, dEdT map, DeepSets embedding,
 *  anomaly score). Also the SQL function ml.embedding_distance. Times are Chandra MET: seconds since MJDREF in
 *  the TIMESYS of the file (TT for Chandra), as in the FITS files (OGIP/93-003); positions ICRS degrees. */
import { col } from '../column-helpers.js';
import type { TableDef } from '../types.js';
import { EVENT_MAP_ARRAYSIZE, EVENT_MAP_SHAPE } from './event-map-shape.js';

/** Embedding size of the event encoder (models/event-encoder/card.json embedding_dim). */
export const EVENT_EMBEDDING_DIM = 16;
export { EVENT_MAP_ARRAYSIZE, EVENT_MAP_SHAPE } from './event-map-shape.js';
const { timeBins: T, energyBins: E } = EVENT_MAP_SHAPE;

export const eventFile: TableDef = {
  schema: 'ml',
  name: 'event_file',
  description:
    'X-ray event lists (FITS, Chandra evt2 layout) loaded by xtap ingest events: one row per file, identified by the ' +
    'first 16 hex digits of the SHA-256 of its bytes, with the observation keywords and its link to CSC2. Times ' +
    '(tstart, tstop, ml.event.event_time) are mission elapsed time in seconds since MJDREF in the time scale TIMESYS (TT ' +
    'for Chandra). csc2_name is set only for per-source lists: when the RMS radius of the events around their ' +
    'centroid is at most 30 arcsec, the nearest csc2.master_source within 10 arcsec of the centroid. DataLink IDs ' +
    'may be event_file_id values.',
  columns: [
    col('event_file_id', 'char', '', 'meta.id;meta.main', 'Identifier of the file: first 16 hex digits of the SHA-256 of its bytes (stable across re-ingests)', { principal: true, required: true }),
    col('file_name', 'char', '', 'meta.id;meta.file', 'Name of the file when it was ingested (without directory)', { principal: true, required: true }),
    col('sha256', 'char', '', 'meta.code;meta.file', 'SHA-256 of the file bytes (hex)', { required: true }),
    col('file_bytes', 'long', 'byte', 'phys.size;meta.file', 'Size of the file'),
    col('obsid', 'int', '', 'meta.id;obs', 'Chandra ObsID (OBS_ID keyword); joins csc2.observation_source.obsid', { principal: true, indexed: true }),
    col('object', 'char', '', 'meta.id;src', 'Target name (OBJECT keyword)', { principal: true }),
    col('telescope', 'char', '', 'meta.id;instr.tel', 'Telescope (TELESCOP keyword)'),
    col('instrument', 'char', '', 'meta.id;instr', 'Instrument (INSTRUME keyword), e.g. ACIS', { principal: true }),
    col('detnam', 'char', '', 'meta.id;instr.det', 'Detector (DETNAM keyword), e.g. ACIS-7'),
    col('datamode', 'char', '', 'meta.code;instr.setup', 'Telemetry data mode (DATAMODE keyword), e.g. FAINT, VFAINT'),
    col('grating', 'char', '', 'meta.code;instr.setup', 'Grating (GRATING keyword), NONE for imaging'),
    col('date_obs', 'char', '', 'time.start;obs', 'Start of the observation (DATE-OBS keyword, ISO 8601 in TIMESYS)', { principal: true }),
    col('date_end', 'char', '', 'time.end;obs', 'End of the observation (DATE-END keyword, ISO 8601 in TIMESYS)'),
    col('tstart', 'double', 's', 'time.start;obs.exposure', 'Start of the observation (TSTART): seconds since MJDREF in TIMESYS (Chandra MET)'),
    col('tstop', 'double', 's', 'time.end;obs.exposure', 'End of the observation (TSTOP): seconds since MJDREF in TIMESYS (Chandra MET)'),
    col('exposure', 'double', 's', 'time.duration;obs.exposure', 'Exposure time (EXPOSURE keyword)', { principal: true }),
    col('mjdref', 'double', 'd', 'time.epoch;arith.zp', 'MJD of time zero (MJDREF, or MJDREFI + MJDREFF): time = 0 s is this MJD in TIMESYS'),
    col('timezero', 'double', 's', 'time.epoch;arith.zp', 'TIMEZERO keyword, already added to ml.event.event_time'),
    col('timesys', 'char', '', 'time.scale', 'Time scale of every time of the file (TIMESYS keyword), TT for Chandra'),
    col('ra_nom', 'double', 'deg', 'pos.eq.ra;instr.fov', 'Nominal pointing, ICRS right ascension (RA_NOM keyword)'),
    col('dec_nom', 'double', 'deg', 'pos.eq.dec;instr.fov', 'Nominal pointing, ICRS declination (DEC_NOM keyword)'),
    col('ra_centroid', 'double', 'deg', 'pos.eq.ra;stat.mean', 'Mean position of the events, ICRS right ascension (sky x/y through the TAN projection of the x/y columns); NULL without sky WCS'),
    col('dec_centroid', 'double', 'deg', 'pos.eq.dec;stat.mean', 'Mean position of the events, ICRS declination; NULL without sky WCS'),
    col('r_rms', 'double', 'arcsec', 'phys.angSize;src', 'RMS angular distance of the events from their centroid; at most 30 arcsec makes the list a per-source list'),
    col('n_events', 'long', '', 'meta.number', 'Events in the EVENTS extension (rows of ml.event for this file)', { principal: true }),
    col('energy_source', 'char', '', 'meta.code', "Where energies come from: 'energy' (ENERGY column) or 'pi' (PI channel x 14.6 eV, ACIS gain)"),
    col('gti_total', 'double', 's', 'time.duration', 'Total good time: sum of the GTI intervals used for light curves'),
    col('gti', 'double', 's', 'time.interval', 'Good time intervals used for light curves: [start, stop] pairs in MET s, sorted by start', { arraysize: '2x*' }),
    col('gti_source', 'char', '', 'meta.note', "Where the GTIs come from: the GTI extension (and its CCD_ID), 'TSTART/TSTOP' or 'events'"),
    col('has_csc2_observation', 'boolean', '', 'meta.code', 'True when obsid occurs in csc2.observation_source (at ingest time)', { principal: true }),
    col('csc2_name', 'char', '', 'meta.id.cross', 'For per-source lists: the nearest csc2.master_source within 10 arcsec of the event centroid, else NULL', { principal: true, indexed: true }),
    col('csc2_separation', 'double', 'arcsec', 'pos.angDistance', 'Distance between the event centroid and csc2_name'),
    col('warnings', 'char', '', 'meta.note', 'Reader warnings (JSON array of strings)'),
    col('ingested_at', 'char', '', 'time.processing', 'When the file was ingested (UTC)', { xtype: 'timestamp' }),
    // added by migration 31, so last in the table as in the database
    col('timedel', 'double', 's', 'time.interval;instr', 'Frame time (TIMEDEL keyword of the EVENTS extension, e.g. 3.241 s for ACIS full frame); NULL when absent or not a frame time (>= 10 s). Used by the dEdT map to spread frame-quantised lags'),
  ],
  primaryKey: ['event_file_id'],
  indexes: [['sha256']],
  foreignKeys: [
    { id: 'ml_event_file_master', target: 'csc2.master_source', columns: [{ from: 'csc2_name', target: 'name' }], description: 'Master source of a per-source event list', enforced: false },
  ],
  isCatalog: true,
};

export const event: TableDef = {
  schema: 'ml',
  name: 'event',
  description:
    'The events of the files in ml.event_file, one row per event in file order: arrival time (Chandra MET), energy, ' +
    'PI channel, sky pixel position and CCD. Select by event_file_id (indexed), e.g. WHERE event_file_id = ' +
    "'9d2b1cb26d5d53a6' ORDER BY seq.",
  columns: [
    col('event_file_id', 'char', '', 'meta.id', 'File the event belongs to (ml.event_file)', { principal: true, required: true }),
    col('seq', 'int', '', 'meta.record', 'Row of the event in the EVENTS extension (0-based)', { principal: true, required: true }),
    col('event_time', 'double', 's', 'time.epoch', 'Arrival time (named event_time because TIME is an ADQL reserved word): seconds since ml.event_file.mjdref in its timesys (Chandra MET, TIMEZERO applied)', { principal: true }),
    col('energy', 'float', 'eV', 'em.energy', "Photon energy; from the ENERGY column, or PI x 14.6 eV when ml.event_file.energy_source = 'pi'", { principal: true }),
    col('pi_channel', 'int', 'chan', 'meta.code;em.energy', 'Pulse invariant channel (PI column; PI is an ADQL reserved word); NULL when the file has none'),
    col('x', 'float', 'pix', 'pos.cartesian.x;instr.det', 'Sky x pixel (0.492 arcsec for ACIS); NULL when the file has none'),
    col('y', 'float', 'pix', 'pos.cartesian.y;instr.det', 'Sky y pixel; NULL when the file has none'),
    col('ccd_id', 'short', '', 'meta.id;instr.det', 'CCD the event was detected on; NULL when the file has none'),
  ],
  primaryKey: ['event_file_id', 'seq'],
  foreignKeys: [
    { id: 'ml_event_file', target: 'ml.event_file', columns: [{ from: 'event_file_id', target: 'event_file_id' }], description: 'File of the event', enforced: true },
  ],
  isCatalog: true,
};

export const eventRepresentation: TableDef = {
  schema: 'ml',
  name: 'event_representation',
  description:
    'Representations of each event file computed on ingest, one row per file and model version (see ml.model ' +
    `model_id = 'event-encoder', card in models/event-encoder/CARD.md). Maps are ${T} time x ${E} energy arrays ` +
    `stored time-major (element [iT*${E} + iE]); their VOTable arraysize is ${EVENT_MAP_ARRAYSIZE} because VOTable lists the ` +
    'fastest-varying dimension first. Compare embeddings with ml_embedding_distance(a, b).',
  columns: [
    col('event_file_id', 'char', '', 'meta.id', 'Event file (ml.event_file)', { principal: true, required: true }),
    col('model_id', 'char', '', 'meta.id', 'Model that produced the embedding and score (ml.model)', { principal: true, required: true }),
    col('model_version', 'char', '', 'meta.version;meta.software', 'Version of that model', { principal: true, required: true }),
    col('run_id', 'char', '', 'meta.id', 'Run that produced the row (ml.inference_run)', { required: true }),
    col('features_version', 'int', '', 'meta.version', 'Version of the per-event feature definition fed to the encoder (ml/representations README)'),
    col('n_events_in_band', 'long', '', 'meta.number', 'Events with 0.5 <= E <= 7 keV and finite time: the events of both maps and of the encoder input', { principal: true }),
    col('n_events_encoded', 'int', '', 'meta.number', 'Feature rows fed to the encoder: min(n_events_in_band, 2048), evenly subsampled in time order'),
    col('tmin', 'double', 's', 'time.start', 'First in-band event time (MET s): tau = 0 of the maps'),
    col('duration', 'double', 's', 'time.duration', 'tmax - tmin of the in-band events: the span that the maps normalise to tau in [0, 1]', { principal: true }),
    col('et_map', 'float', 'ct', 'phot.count;em.energy', `E-t map (Dillmann et al. 2025): counts in ${T} normalised-time bins x ${E} log10-energy bins over 0.5-7 keV, time-major [iT*${E} + iE]; sums to n_events_in_band`, { arraysize: EVENT_MAP_ARRAYSIZE, xtype: 'ml:etmap' }),
    col('dedt_map', 'float', '', 'stat.value;src.var', `dEdT map: fraction of event pairs per (time-lag row, log-energy-lag column), ${T} x ${E} time-major [r*${E} + c]; sums to 1 (all 0 below 2 events); binning in ml/representations README`, { arraysize: EVENT_MAP_ARRAYSIZE, xtype: 'ml:dedt' }),
    col('dedt_method', 'char', '', 'meta.code', "Algorithm of the dEdT map: 'exact' (all pairs) or 'fft' (same counts)"),
    col('embedding', 'float', '', 'src.var;stat.fit.param', `DeepSets embedding (${EVENT_EMBEDDING_DIM} values) of the event list; NULL with no in-band event. Compare with ml_embedding_distance`, { arraysize: String(EVENT_EMBEDDING_DIM), xtype: 'ml:embedding' }),
    col('anomaly_score', 'double', '', 'stat.probability;src.var', 'Probability that the list is not steady (1 - p_steady); NULL with no in-band event', { principal: true, range: [0, 1] }),
    col('p_steady', 'double', '', 'stat.probability;src.var', 'Probability of a steady (constant-rate) source', { range: [0, 1] }),
    col('p_flare', 'double', '', 'stat.probability;src.var', 'Probability of a flare (fast rise, exponential decay)', { range: [0, 1] }),
    col('p_dip', 'double', '', 'stat.probability;src.var', 'Probability of a dip (eclipse or absorption dip)', { range: [0, 1] }),
    col('p_periodic', 'double', '', 'stat.probability;src.var', 'Probability of a periodic (sinusoidal) modulation', { range: [0, 1] }),
    col('is_in_training_domain', 'boolean', '', 'meta.code.qual', 'False when the list has fewer in-band events than the model was trained on (card min_domain_events)'),
  ],
  primaryKey: ['event_file_id', 'model_id', 'model_version'],
  indexes: [['anomaly_score']],
  foreignKeys: [
    { id: 'ml_event_representation_file', target: 'ml.event_file', columns: [{ from: 'event_file_id', target: 'event_file_id' }], description: 'Represented event file', enforced: true },
    {
      id: 'ml_event_representation_model',
      target: 'ml.model',
      columns: [
        { from: 'model_id', target: 'model_id' },
        { from: 'model_version', target: 'version' },
      ],
      description: 'Model card of the event encoder',
      enforced: true,
    },
    { id: 'ml_event_representation_run', target: 'ml.inference_run', columns: [{ from: 'run_id', target: 'run_id' }], description: 'Provenance of the row', enforced: true },
  ],
  isCatalog: true,
};

export const EVENT_TABLES: ReadonlyArray<TableDef> = [eventFile, event, eventRepresentation];

/** ml.embedding_distance(a, b): Euclidean distance of two real[] vectors of the same length (NULL when either is
 *  NULL or the lengths differ). Plain IMMUTABLE SQL so any PostgreSQL 15+ runs it and the planner can
 *  inline it. */
export const EVENT_SQL_FUNCTIONS: ReadonlyArray<string> = [
  `CREATE OR REPLACE FUNCTION ml.embedding_distance(a real[], b real[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN cardinality(a) = cardinality(b)
    THEN (SELECT sqrt(sum((x::double precision - y::double precision) ^ 2)) FROM unnest(a, b) AS t(x, y)) END
$$`,
  `COMMENT ON FUNCTION ml.embedding_distance(real[], real[]) IS 'Euclidean distance between two embeddings of the same length (ml.event_representation.embedding)'`,
];
