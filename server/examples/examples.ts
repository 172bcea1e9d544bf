/** The DALI/TAP examples of this service, as data: the /tap/examples page is generated from this list and
 *  test/examples.test.ts runs every query through the real translator and database on the bundled sample (fields
 *  around NGC 3532, ObsID 8941, and IC 2395, ObsIDs 21137 and 24613). Spec: TAP 1.1 §2.6, DALI 1.1 §2.3.
 *  CSC 2 conventions: dbo.cone_distance is in arcminutes; public queries keep master/stack matches with
 *  match_type = 'u'. */
import type { ColumnMeta } from '../../schema/index.js';

/** A table the example needs as TAP_UPLOAD.<table>; the page offers the sample rows for download. */
export interface ExampleUpload {
  /** Name after TAP_UPLOAD. (a regular ADQL identifier). */
  table: string;
  description: string;
  columns: ReadonlyArray<ColumnMeta>;
  /** Sample rows (values in column order) served as a VOTable next to the page. */
  rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

export interface TapExample {
  /** XML Name used as the element id and URL fragment. */
  id: string;
  /** Short title (RDFa property="name"). */
  name: string;
  /** What the query does and why; `back-quoted` words render as code. */
  description: string;
  /** The ADQL text (RDFa property="query"), shown and run exactly as written. */
  query: string;
  /** Fully qualified published tables the query reads (RDFa property="table"); TAP_UPLOAD tables are not listed
   *  here because clients (taplint EXA) check these names against /tables. */
  tables: ReadonlyArray<string>;
  upload?: ExampleUpload;
  /** Rows the query returns on the bundled sample (checked by the test; MAXREC large enough). */
  sampleRows: { min: number; max?: number };
}

export const CSC2_EXAMPLES: ReadonlyArray<TapExample> = [
  {
    id: 'cone-search',
    name: 'Cone search around NGC 3532 with CONTAINS',
    description:
      'Master sources within 3 arcminutes of the ACIS aim point of ObsID 8941 in the open cluster NGC 3532, most ' +
      'significant first. `CONTAINS(POINT, CIRCLE)` is standard ADQL; the radius is in degrees and the HEALPix ' +
      'index makes it fast on the whole catalogue.',
    query: `SELECT name, ra, dec, significance, flux_aper90_b, likelihood_class
FROM csc2.master_source
WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.2759, -58.8454, 0.05))
ORDER BY significance DESC`,
    tables: ['csc2.master_source'],
    sampleRows: { min: 10 },
  },
  {
    id: 'cone-distance-csc',
    name: 'CSC-style cone search with cone_distance',
    description:
      'The same kind of search written as on the CSC 2 TAP service: `csc_cone_distance(ra, dec, ra0, dec0)` returns ' +
      'the angular distance in arcminutes, so `<= 3` keeps sources within 3 arcminutes of a position in IC 2395. ' +
      'The CSC 2 service spells it `dbo.cone_distance(...)`; that spelling works here too, so queries written for ' +
      'the CSC 2 service run unchanged (so does `dbo.separation`, in arcseconds).',
    query: `SELECT name, ra, dec, significance, csc_cone_distance(ra, dec, 130.6, -48.1) AS dist_arcmin
FROM csc2.master_source
WHERE csc_cone_distance(ra, dec, 130.6, -48.1) <= 3
ORDER BY dist_arcmin`,
    tables: ['csc2.master_source'],
    sampleRows: { min: 3 },
  },
  {
    id: 'detections-of-sources',
    name: 'Every detection of the sources in a region (master → stack → observation)',
    description:
      'Walks the CSC 2 hierarchy: each master source, its stacked-observation detection (`master_stack_assoc`, ' +
      "unique matches only), and the per-observation detections that stack combines (`stack_observation_assoc`). " +
      'In IC 2395 most sources were observed twice (ObsIDs 21137 and 24613), so they appear once per observation ' +
      'with the off-axis angle and the flux measured in that observation.',
    query: `SELECT m.name, s.detect_stack_id, o.obsid, o.obi, o.region_id, o.theta, o.flux_aper90_b AS obs_flux_b
FROM csc2.master_source AS m
JOIN csc2.master_stack_assoc AS a ON a.name = m.name
JOIN csc2.stack_source AS s ON s.detect_stack_id = a.detect_stack_id AND s.region_id = a.region_id
JOIN csc2.stack_observation_assoc AS so ON so.detect_stack_id = s.detect_stack_id AND so.region_id = s.region_id
JOIN csc2.observation_source AS o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id
WHERE a.match_type = 'u'
  AND 1 = CONTAINS(POINT('ICRS', m.ra, m.dec), CIRCLE('ICRS', 130.6, -48.1, 0.05))
ORDER BY 1, 3`,
    tables: [
      'csc2.master_source',
      'csc2.master_stack_assoc',
      'csc2.stack_source',
      'csc2.stack_observation_assoc',
      'csc2.observation_source',
    ],
    sampleRows: { min: 4 },
  },
  {
    id: 'variable-sources',
    name: 'Sources variable within an observation',
    description:
      'Sources flagged variable (`var_flag`) whose Gregory-Loredo probability of variability within an observation ' +
      'in the broad band (`var_intra_prob_b`) exceeds 0.9; `var_intra_index_b` grades the evidence from 0 to 10.',
    query: `SELECT name, ra, dec, var_intra_prob_b, var_intra_index_b, var_inter_prob_b, flux_aper90_b
FROM csc2.master_source
WHERE var_flag = 1 AND var_intra_prob_b > 0.9
ORDER BY var_intra_prob_b DESC`,
    tables: ['csc2.master_source'],
    sampleRows: { min: 10 },
  },
  {
    id: 'variable-between-observations',
    name: 'Flux changes between observations',
    description:
      'Sources observed more than once whose broad-band flux varies between observations (`var_inter_prob_b` > 0.5), ' +
      'with the flux and variability probability of each observation: a two-point light curve per source.',
    query: `SELECT m.name, m.var_inter_prob_b, o.obsid, o.gti_obs, o.flux_aper90_b AS obs_flux_b, o.var_prob_b
FROM csc2.master_source AS m
JOIN csc2.master_stack_assoc AS a ON a.name = m.name
JOIN csc2.stack_observation_assoc AS so ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id
JOIN csc2.observation_source AS o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id
WHERE a.match_type = 'u' AND m.var_inter_prob_b > 0.5
ORDER BY 2 DESC, 1, 4`,
    tables: ['csc2.master_source', 'csc2.master_stack_assoc', 'csc2.stack_observation_assoc', 'csc2.observation_source'],
    sampleRows: { min: 10 },
  },
  {
    id: 'hard-sources',
    name: 'Hard sources by hardness ratio',
    description:
      'CSC 2 hardness ratios compare band photon fluxes, e.g. `hard_hs` = (h − s)/(h + s) for the hard (2–7 keV) and ' +
      'soft (0.5–1.2 keV) bands. Positive values select spectrally hard (often absorbed) sources; the query keeps ' +
      "reliable detections (`likelihood_class = 'TRUE'`).",
    query: `SELECT name, ra, dec, hard_hs, hard_hs_lolim, hard_hs_hilim, hard_hm, hard_ms, powlaw_gamma
FROM csc2.master_source
WHERE hard_hs > 0 AND likelihood_class = 'TRUE'
ORDER BY hard_hs DESC`,
    tables: ['csc2.master_source'],
    sampleRows: { min: 1 },
  },
  {
    id: 'brightest-sources',
    name: 'The 20 brightest sources in the broad band',
    description:
      'TOP with ORDER BY … DESC. `flux_aper90_b` is the aperture-corrected 0.5–7 keV energy flux (erg/s/cm²); the ' +
      '`IS NOT NULL` test keeps sources without a broad-band flux out of the list.',
    query: `SELECT TOP 20 name, ra, dec, flux_aper90_b, flux_aper90_lolim_b, flux_aper90_hilim_b, significance
FROM csc2.master_source
WHERE flux_aper90_b IS NOT NULL
ORDER BY flux_aper90_b DESC`,
    tables: ['csc2.master_source'],
    sampleRows: { min: 20, max: 20 },
  },
  {
    id: 'detections-per-obsid',
    name: 'Detections per observation',
    description:
      'Counts per-observation detections with GROUP BY, with the mean off-axis angle `theta` (arcmin) and the ' +
      'largest intra-observation variability probability.',
    query: `SELECT obsid, instrument, COUNT(*) AS n_detections, AVG(theta) AS mean_theta, MAX(var_prob_b) AS max_var_prob
FROM csc2.observation_source
GROUP BY obsid, instrument
ORDER BY n_detections DESC`,
    tables: ['csc2.observation_source'],
    sampleRows: { min: 3, max: 3 },
  },
  {
    id: 'sources-seen-twice',
    name: 'Sources detected in several observations (subquery)',
    description:
      'A subquery counts the observations contributing to each master source; the outer query keeps sources seen ' +
      'at least twice, the ones whose variability between observations can be measured. (The same can be written ' +
      'with WITH, ADQL 2.1.)',
    query: `SELECT m.name, m.ra, m.dec, p.n_obs, m.var_inter_prob_b
FROM (
  SELECT a.name AS src, COUNT(*) AS n_obs
  FROM csc2.master_stack_assoc AS a
  JOIN csc2.stack_observation_assoc AS so ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id
  WHERE a.match_type = 'u'
  GROUP BY a.name
) AS p
JOIN csc2.master_source AS m ON m.name = p.src
WHERE p.n_obs >= 2
ORDER BY 4 DESC, 1`,
    tables: ['csc2.master_stack_assoc', 'csc2.stack_observation_assoc', 'csc2.master_source'],
    sampleRows: { min: 50 },
  },
  {
    id: 'name-lookup-datalink',
    name: 'Look sources up by name, then follow their DataLink links',
    description:
      'CSC 2 names encode the position (2CXO Jhhmmss.s±ddmmss). Results carry a DataLink service descriptor on ' +
      '`name`: in TOPCAT, Activation → Invoke Service (or /tap/links?ID=<name>) lists the detections and products ' +
      'of each source.',
    query: `SELECT name, ra, dec, significance, var_flag
FROM csc2.master_source
WHERE name LIKE '2CXO J1104%'
ORDER BY name`,
    tables: ['csc2.master_source'],
    sampleRows: { min: 1 },
  },
  {
    id: 'upload-crossmatch',
    name: 'Cross-match your own list of positions (TAP_UPLOAD)',
    description:
      'Upload a table of positions as `mylist` (UPLOAD=mylist,param:mylist in the request; TOPCAT and pyvo do this ' +
      'for you) and find the CSC 2 sources within 5 arcseconds of each, nearest first. The list needs columns ' +
      '`ra` and `dec` in degrees (ICRS); a sample list is linked below.',
    query: `SELECT u.label, u.ra AS my_ra, u.dec AS my_dec, m.name, m.ra, m.dec,
       3600 * DISTANCE(POINT('ICRS', u.ra, u.dec), POINT('ICRS', m.ra, m.dec)) AS sep_arcsec
FROM TAP_UPLOAD.mylist AS u
JOIN csc2.master_source AS m
  ON 1 = CONTAINS(POINT('ICRS', m.ra, m.dec), CIRCLE('ICRS', u.ra, u.dec, 5.0 / 3600))
ORDER BY label, sep_arcsec`,
    tables: ['csc2.master_source'],
    upload: {
      table: 'mylist',
      description: 'Three positions near CSC 2 sources in NGC 3532 and IC 2395, and one with no X-ray source.',
      columns: [
        { name: 'label', datatype: 'char', arraysize: '*', ucd: 'meta.id', description: 'Your name for the position' },
        { name: 'ra', datatype: 'double', unit: 'deg', ucd: 'pos.eq.ra', description: 'Right ascension (ICRS)' },
        { name: 'dec', datatype: 'double', unit: 'deg', ucd: 'pos.eq.dec', description: 'Declination (ICRS)' },
      ],
      rows: [
        ['ngc3532-a', 166.1171, -58.8306],
        ['ic2395-a', 130.5158, -48.0686],
        ['ic2395-b', 130.5070, -47.9497],
        ['blank-sky', 150.0, 2.2],
      ],
    },
    sampleRows: { min: 3 },
  },
  {
    id: 'tap-schema-tables',
    name: 'What tables are there? (TAP_SCHEMA)',
    description:
      'TAP_SCHEMA describes every published table and column; it is queried like any other table. This lists the ' +
      'tables with their descriptions in the recommended order.',
    query: `SELECT schema_name, table_name, table_type, description
FROM TAP_SCHEMA.tables
ORDER BY table_index`,
    tables: ['TAP_SCHEMA.tables'],
    sampleRows: { min: 10 },
  },
  {
    id: 'tap-schema-columns',
    name: 'Principal columns of the master source table, with units and UCDs',
    description:
      'The columns a client shows by default (`principal = 1`) of `csc2.master_source`, with their units, UCDs and ' +
      'descriptions. Drop the principal condition to see all 516 columns.',
    query: `SELECT column_name, datatype, unit, ucd, description
FROM TAP_SCHEMA.columns
WHERE table_name = 'csc2.master_source' AND principal = 1
ORDER BY column_index`,
    tables: ['TAP_SCHEMA.columns'],
    sampleRows: { min: 5 },
  },
];

/** Examples on the ML products (schema `ml`). EMPTY ON PURPOSE until the ml tables exist: the ML engineer adds
 *  entries here in the same shape (a class filter on the classification table, the most anomalous event files,
 *  a join from csc2.master_source to the ML rows with the model version), each with `tables` naming the ml
 *  tables; test/examples.test.ts then runs them like the others. */
// The embedding-similarity query (README, "Event files") is not an example here: STILTS taplint cannot parse the
// REAL[] arguments of ml_embedding_distance's declaration and would flag the example as unresolved.
export const ML_EXAMPLES: ReadonlyArray<TapExample> = [
  {
    id: 'ml-xray-binaries',
    name: 'Candidate X-ray binaries from the classifier',
    description:
      'Joins the CSC 2 master sources with their class probabilities (`ml.source_class`, computed on ingest by the ' +
      'model whose card is in `ml.model`) and keeps sources whose most probable class is an X-ray binary. ' +
      '`e_p_*` are Monte-Carlo uncertainties; `feature_set` says whether multiwavelength photometry was used.',
    query: `SELECT m.name, m.ra, m.dec, m.flux_aper90_b, c.predicted_class, c.predicted_prob, c.p_lmxb, c.e_p_lmxb,
       c.p_hmxb, c.e_p_hmxb, c.feature_set, c.model_version
FROM csc2.master_source AS m
JOIN ml.source_class AS c ON c.name = m.name
WHERE c.predicted_class = 'LMXB' OR c.predicted_class = 'HMXB'
ORDER BY 6 DESC`,
    tables: ['csc2.master_source', 'ml.source_class'],
    sampleRows: { min: 1 },
  },
  {
    id: 'ml-class-census',
    name: 'Class census of a field with the model version',
    description:
      'How many sources of the NGC 3532 field fall in each predicted class, with the mean probability of that class, ' +
      'per model version (rows of older model versions stay when a new one runs).',
    query: `SELECT c.predicted_class, c.model_version, COUNT(*) AS n_sources, AVG(c.predicted_prob) AS mean_prob
FROM ml.source_class AS c
JOIN csc2.master_source AS m ON m.name = c.name
WHERE 1 = CONTAINS(POINT('ICRS', m.ra, m.dec), CIRCLE('ICRS', 166.2759, -58.8454, 0.2))
GROUP BY c.predicted_class, c.model_version
ORDER BY 3 DESC`,
    tables: ['ml.source_class', 'csc2.master_source'],
    sampleRows: { min: 2 },
  },
  {
    id: 'ml-model-cards',
    name: 'Model cards and provenance of the ML products',
    description:
      'Every model that produced ML rows, with its version, task and the runs that used it (ingest or models run).',
    query: `SELECT r.run_id, r.model_id, r.model_version, r.activity, r.started_at, r.n_rows, m.task
FROM ml.inference_run AS r
JOIN ml.model AS m ON m.model_id = r.model_id AND m.version = r.model_version
ORDER BY 5 DESC`,
    tables: ['ml.inference_run', 'ml.model'],
    sampleRows: { min: 1 },
  },
  {
    id: 'ml-muwclass-agreement',
    name: 'Agreement with MUWCLASS on NGC 3532',
    description:
      "Top-class agreement of xtap's classifier with MUWCLASS's published classification of the NGC 3532 field " +
      '(Yang et al. 2022; `ml.published_class`, a check never used for training), per model version, for the ' +
      'sources MUWCLASS calls confident (`published_confident = 1`, CT >= 2) and the others. `ml.class_comparison` ' +
      'is a view: it follows re-runs and new model versions.',
    query: `SELECT model_version, published_confident, COUNT(*) AS n_sources, SUM(agree) AS n_agree, AVG(agree) AS agreement
FROM ml.class_comparison
WHERE reference = '2022ApJ...941..104Y'
GROUP BY model_version, published_confident
ORDER BY model_version, published_confident`,
    tables: ['ml.class_comparison'],
    sampleRows: { min: 2 },
  },
  {
    id: 'ml-muwclass-confusion',
    name: 'Where xtap and MUWCLASS disagree',
    description:
      "Confusion table of MUWCLASS's published class against xtap's class on NGC 3532, most frequent pairs first; " +
      'rows with `agree = 0` are the disagreements (add `AND published_confident = 1` for confident MUWCLASS classes).',
    query: `SELECT published_class, xtap_class, COUNT(*) AS n_sources, AVG(xtap_prob) AS mean_xtap_prob, AVG(published_prob) AS mean_published_prob
FROM ml.class_comparison
WHERE agree = 0
GROUP BY published_class, xtap_class
ORDER BY 3 DESC`,
    tables: ['ml.class_comparison'],
    sampleRows: { min: 1 },
  },
  {
    id: 'ml-field-prior',
    name: 'Field-adjusted class probabilities (prior shift)',
    description:
      'Class priors of the NGC 3532 field (ObsID 8941) re-estimated by EM on its own sources (Saerens et al. 2002), ' +
      "and each source's class before and after the adjustment. A separate product: `ml.source_class` keeps the " +
      "model's own probabilities. `shift_significant` says whether the field's class mix differs from the training " +
      'mix at the 5 % level; the adjustment is only as good as the model on that field (README).',
    query: `SELECT s.name, s.predicted_class, s.predicted_prob, a.adjusted_class, a.adjusted_prob,
       f.prior_lmxb, f.prior_lm_star, f.prior_yso, f.prior_agn, f.shift_significant, f.model_version
FROM ml.source_class AS s
JOIN ml.source_class_field_prior AS a ON a.name = s.name AND a.model_id = s.model_id AND a.model_version = s.model_version
JOIN ml.field_class_prior AS f ON f.field_id = a.field_id AND f.model_id = a.model_id AND f.model_version = a.model_version
WHERE f.obsid = 8941
ORDER BY 1`,
    tables: ['ml.source_class', 'ml.source_class_field_prior', 'ml.field_class_prior'],
    sampleRows: { min: 100 },
  },
];

/** Every example, in page order. */
export const TAP_EXAMPLES: ReadonlyArray<TapExample> = [...CSC2_EXAMPLES, ...ML_EXAMPLES];
