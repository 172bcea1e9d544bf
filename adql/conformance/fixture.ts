/** Metadata fixture for the tables the lyonetia corpus queries (stars, DaCHS's spatial/misc/quoted/crazy test
 *  tables, ivoa.obscore with ESO's extra columns, ...), so valid corpus queries can be resolved and translated.
 *  Column lists follow gavo/README and the corpus queries. The published catalog (csc2, TAP_SCHEMA) is passed in by the caller. */
import type { Catalog, CatalogTable, ColumnMeta } from '../catalog.js';

/** `name:type[unit]`; type d=double, i=int, l=long, s=short, c=char, b=boolean, t=timestamp, p=point,
 *  g=polygon; names may be "delimited" (with "" for a quote). */
const TABLES: Readonly<Record<string, string>> = {
  stars: 'name:c ra:d[deg] dec:d[deg] type:c mag:d[mag] radius:d[deg] long:d[deg] des:c ra_error:d[deg] id:i "_weird_name":c "distance":d[pc] star_name:c favorite_name:c pm_ra:d[mas/yr] pm_dec:d[mas/yr]',
  spatial: 'dist:d[m] width:d[m] height:d[km] ra1:d[deg] ra2:d[rad]',
  spatial2: 'ra1:d[deg] dec:d[deg] dist:d[m]',
  misc: 'mass:d[kg] mag:d[mag] speed:d[km/s]',
  quoted: '"left-right":d "inch""ing":d "plAin":d "alllower":d',
  crazy: 'ct:i wot:l wotb:s mass:d name:c version:c flag:c',
  y: 'x:p y:d z:d v:d k:d u:c a:d "SELECT":d "some weird column":d "some even ""weirder"" column":d',
  t: 'ra:d[deg] dec:d[deg]',
  foo: 'x:d y:d bar:c quux:c',
  x: 'a:d b:d c:d d:d foo:d',
  u: 'a:d b:d c:d d:d foo:d',
  z: 'a:d b:d x:d "one weird name":d',
  t1: 'x:d y:d z:d u:d s:d oid:i id:i something:d',
  t2: 'y:d oid:i name:i foo:d',
  t3: 'x:d',
  t4: 'x:d',
  t5: 'y:d',
  table1: 'id:i ra:d[deg] dec:d[deg]',
  table2: 'id:i ra:d[deg] dec:d[deg]',
  table3: 'id:i ra:d[deg] dec:d[deg]',
  atable: 'id:i ra:d[deg] dec:d[deg]',
  atlassource: 'ra:d[deg] dec:d[deg] rapermag3:d[mag] cx:d cy:d cz:d',
  atlasmergelog: 'ra:d[deg] dec:d[deg] gmfid:l',
  multiframe: 'multiframeid:l mjdobs:d[d]',
  source: 'ident:c',
  'ppmx.data': 'alphafloat:d[deg] deltafloat:d[deg]',
  'TAP_UPLOAD.abc': 'c:d',
  'TAP_UPLOAD.adql': 'alpha:d[deg] rv:d[km/s]',
  'TAP_UPLOAD.user_table': 'ra:d[deg] ra2000:d[deg] dec2000:d[deg]',
  'TAP_UPLOAD.my_stars': 'ra:d[deg] dec:d[deg] mag:d[mag]',
  bar: 'foo:d a:c',
  something: 'x:d y:d',
  n: 'z:d',
  q: 'm:c',
  '"nons-ak"': '"f-bar":d "c""ho":d "ja ja":d "Umph":d',
  '"abc-g"': 'g:d',
  '"select"': 's:d',
  '"Murks Schema"."Murks Tabelle"': 'm:d',
  'amanda.nucand': 'n:d',
  'urks.a': 'a1:d',
  b: 'b1:d',
  c: 'c1:d',
  'monk.d': 'd1:d',
  most: 'z1:d',
  anything: 'a:d b:d',
  else3: 'and7:d',
  'ivoa.obscore':
    'dataproduct_type:c dataproduct_subtype:c calib_level:s obs_collection:c obs_id:c obs_publisher_did:c ' +
    'access_url:c access_format:c access_estsize:l[kbyte] target_name:c s_ra:d[deg] s_dec:d[deg] s_fov:d[deg] ' +
    's_region:g s_resolution:d[arcsec] t_min:d[d] t_max:d[d] t_exptime:d[s] t_resolution:d[s] em_min:d[m] ' +
    'em_max:d[m] em_res_power:d o_ucd:c pol_states:c facility_name:c instrument_name:c dp_id:c gal_lat:d[deg] ' +
    'abmaglim:d[mag] snr:d filter:c',
  'dbo.raw': 'dp_id:c prog_id:c instrument:c dp_cat:c dp_tech:c dp_type:c exp_start:c',
  'asm.lhatpros_paranal_profiles': 'start_date:c midpoint_date:c ra:d[deg] dec:d[deg] alt:d[deg] az:d[deg] valid:i',
  'asm.mass_paranal': 'start_date:c turbfwhm:d tet:d',
  'phase3v2.provenance': 'product_file:l source_file:c',
  'phase3v2.files': 'file_id:l archive_id:c category:c name:c',
};

const TYPES: Readonly<Record<string, Pick<ColumnMeta, 'datatype' | 'arraysize' | 'xtype'>>> = {
  d: { datatype: 'double' },
  i: { datatype: 'int' },
  l: { datatype: 'long' },
  s: { datatype: 'short' },
  c: { datatype: 'char', arraysize: '*' },
  b: { datatype: 'boolean' },
  t: { datatype: 'char', arraysize: '*', xtype: 'timestamp' },
  p: { datatype: 'double', arraysize: '2', xtype: 'point' },
  g: { datatype: 'double', arraysize: '*', xtype: 'polygon' },
};

/** Splits `a "b c" "d""e"` into names, undoubling quotes inside delimited ones. */
function splitNames(spec: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"]|"")*)"(\S*)|(\S+)/g;
  for (let m = re.exec(spec); m; m = re.exec(spec)) {
    out.push(m[3] !== undefined ? m[3] : `${(m[1] ?? '').replace(/""/g, '"')}${m[2] ?? ''}`);
  }
  return out;
}

function column(spec: string): ColumnMeta {
  const m = /^(.*):([a-z])(?:\[(.+)\])?$/.exec(spec);
  if (!m) throw new Error(`bad fixture column ${spec}`);
  const type = TYPES[m[2] as string];
  if (!type) throw new Error(`bad fixture type in ${spec}`);
  const c: ColumnMeta = { name: m[1] as string, ...type, description: `fixture column ${m[1] as string}` };
  if (m[3]) c.unit = m[3];
  return c;
}

function table(qualified: string, spec: string): CatalogTable {
  const hasSchema = /^(?:"(?:[^"]|"")*"|[^."]+)\./.test(qualified);
  const [schema, name] = hasSchema ? splitQualified(qualified) : ['lyonetia', unquote(qualified)];
  return {
    schema,
    name,
    sqlSchema: schema.toLowerCase(),
    sqlName: name.toLowerCase(),
    description: `lyonetia fixture table ${schema}.${name}`,
    columns: splitNames(spec).map(column),
  };
}

function unquote(s: string): string {
  return s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}

function splitQualified(q: string): [string, string] {
  const m = /^("(?:[^"]|"")*"|[^.]+)\.("(?:[^"]|"")*"|[^.]+)$/.exec(q);
  if (!m) throw new Error(`bad fixture table ${q}`);
  return [unquote(m[1] as string), unquote(m[2] as string)];
}

/** The lyonetia fixture tables after the tables of `base` (everything this service publishes). */
export function lyonetiaCatalog(base: Catalog): Catalog {
  const fixture = Object.entries(TABLES).map(([name, spec]) => table(name, spec));
  return { tables: [...base.tables, ...fixture] };
}
