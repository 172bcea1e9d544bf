/** The few lyonetia items whose expectation we knowingly do not meet, each with its reason. Valid items must
 *  always parse; the `translate-fails` entries are valid ADQL whose translation against the fixture catalog
 *  fails on purpose (an undeclared UDF, an unsupported optional feature, a type error the grammar allows). */
import type { AdqlErrorCode } from '../errors.js';
import type { CorpusQuery } from './corpus.js';

export interface CorpusException {
  file: string;
  uuid: string;
  kind: 'accepted' | 'translate-fails';
  /** For translate-fails: the error code the translator must give. */
  code?: AdqlErrorCode;
  reason: string;
}

interface ExceptionGroup {
  code: AdqlErrorCode;
  reason: string;
  /** 'file#uuid' */
  items: string[];
}

/** Valid items whose translation against the fixture fails with the given code. */
const TRANSLATE_FAILS: ReadonlyArray<ExceptionGroup> = [
  {
    code: 'UNKNOWN_FUNCTION',
    reason: 'undeclared user-defined functions (DaCHS test stubs ivo_foo, ivo_getstring; ivo_healpix_index needs a HEALPix SQL function that adql/geometry does not provide yet)',
    items: ['gavo/additionaltests.xml#6d5e927e-59b3-11ec-beef-28d2445a8967', 'gavo/additionaltests.xml#760a0cdc-59b3-11ec-beef-28d2445a8967', 'gavo/simpleunit.xml#1cb90482-4d00-11e6-866d-736653f6053c', 'ivoa/O2_user_defined_functions.xml#598ff7ac-9d06-4aad-9b77-8283b5d00838'],
  },
  {
    code: 'UNSUPPORTED',
    reason: 'REGION (optional, deprecated in ADQL 2.1) is not implemented; the capabilities do not declare it',
    items: ['gavo/geometry.xml#efd97984-4cfe-11e6-b1bc-3d3af74034fa', 'gavo/geometry.xml#fd09fb58-4d01-11e6-8c9d-819288b39233', 'gavo/geometry.xml#1655f288-4d02-11e6-8c9d-819288b39233', 'gavo/geometry.xml#27fd6dd6-4d02-11e6-8c9d-819288b39233', 'ivoa/O1_geometrical_functions.xml#efd97984-4cfe-11e6-b1bc-3d3af74034fa', 'ivoa/O1_geometrical_functions.xml#fd09fb58-4d01-11e6-8c9d-819288b39233', 'ivoa/O1_geometrical_functions.xml#1655f288-4d02-11e6-8c9d-819288b39233', 'ivoa/O1_geometrical_functions.xml#27fd6dd6-4d02-11e6-8c9d-819288b39233'],
  },
  {
    code: 'UNKNOWN_TABLE',
    reason: 'references to tables that are not in FROM (usnob.data, x.a from z), catalog-qualified names (z.x.y) or schemas the fixture does not define (z.x, s1.t2): parser tests, not resolvable queries',
    items: ['gavo/geometry.xml#e03ce418-4d01-11e6-8c9d-819288b39233', 'gavo/simpleunit.xml#8f06ec9a-450b-11e6-b727-b5b3c3190c3d', 'gavo/simpleunit.xml#95b213bc-450b-11e6-b727-b5b3c3190c3d', 'gavo/simpleunit.xml#af5a2462-450b-11e6-b727-b5b3c3190c3d', 'gavo/simpleunit.xml#b520c0a4-450b-11e6-b727-b5b3c3190c3d', 'gavo/simpleunit.xml#b9b45d2e-450b-11e6-b727-b5b3c3190c3d', 'gavo/simpleunit.xml#796fa074-450c-11e6-8564-332de33a5c03', 'ivoa/O1_geometrical_functions.xml#e03ce418-4d01-11e6-8c9d-819288b39233'],
  },
  {
    code: 'UNKNOWN_COLUMN',
    reason: 'fixture conflicts: the DaCHS items use the same table names with incompatible column sets (t2.x must and must not exist), plus one delimited identifier in the wrong case ("Inch""ing")',
    items: ['gavo/setexpressions.xml#16cdfdc2-450b-11e6-8afd-a735f38de45d', 'gavo/setexpressions.xml#1cd5382a-450b-11e6-8afd-a735f38de45d', 'gavo/setexpressions.xml#21149188-450b-11e6-8afd-a735f38de45d', 'gavo/setexpressions.xml#25282b72-450b-11e6-8afd-a735f38de45d', 'gavo/setexpressions.xml#32eebe4c-450b-11e6-8afd-a735f38de45d', 'gavo/simpleunit.xml#cfba5f6e-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#f0904614-4cf9-11e6-bf5d-ebbe7e1e6fb5', 'gavo/simpleunit.xml#d65405ea-4cfb-11e6-9064-032db3af9290', 'gavo/whitespace.xml#cfba5f6e-4458-11e6-96e2-28b2bdcff70b', 'ivoa/0_whitespace.xml#cfba5f6e-4458-11e6-96e2-28b2bdcff70b'],
  },
  {
    code: 'INVALID_QUERY',
    reason: 'set operations whose operands have different numbers of columns with any consistent fixture (SELECT * over tables of different widths)',
    items: ['gavo/setexpressions.xml#3aa8630e-450b-11e6-8afd-a735f38de45d', 'gavo/setexpressions.xml#3e9fec2a-450b-11e6-8afd-a735f38de45d', 'gavo/setexpressions.xml#c5158c64-450c-11e6-8c47-9df4f9c4341c', 'gavo/setexpressions.xml#d8333422-450c-11e6-8c47-9df4f9c4341c', 'gavo/setexpressions.xml#5c93a1ae-4cfe-11e6-b43c-5d3a7f1259a0', 'gavo/setexpressions.xml#7e1c042a-4d02-11e6-a088-7368e607ac72', 'gavo/whitespace.xml#7e1c042a-4d02-11e6-a088-7368e607ac72', 'ivoa/0_whitespace.xml#7e1c042a-4d02-11e6-a088-7368e607ac72'],
  },
  {
    code: 'AMBIGUOUS_COLUMN',
    reason: 'an unqualified column that exists in several joined fixture tables (spatial/spatial2 both have dist; t1/t3/t4 all have x)',
    items: ['gavo/simpleunit.xml#8d08e956-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#a7a9d518-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#c8993692-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#e26418a8-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#e91ce10e-4cfd-11e6-9064-032db3af9290', 'gavo/whitespace.xml#a7a9d518-4458-11e6-96e2-28b2bdcff70b', 'gavo/whitespace.xml#e91ce10e-4cfd-11e6-9064-032db3af9290', 'ivoa/0_whitespace.xml#a7a9d518-4458-11e6-96e2-28b2bdcff70b', 'ivoa/0_whitespace.xml#e91ce10e-4cfd-11e6-9064-032db3af9290'],
  },
  {
    code: 'TYPE_MISMATCH',
    reason: 'the fixture column y.x is a point (the geometry items compare shapes with it), so the items that use y.x as a number are ill-typed',
    items: ['gavo/simpleunit.xml#defb59d2-4459-11e6-ae3e-28b2bdcff70b', 'gavo/simpleunit.xml#cd7e108a-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#d164b640-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#d4bdd7b8-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#d7ffb568-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#db79c42c-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#df1855d0-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#e7e0a866-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#edb50da4-450a-11e6-8467-93d5a802c4cb', 'gavo/simpleunit.xml#6ec4c4d8-450c-11e6-8564-332de33a5c03', 'gavo/whitespace.xml#118c7d86-4509-11e6-b60c-9d2c33f9b7a2', 'ivoa/0_whitespace.xml#118c7d86-4509-11e6-b60c-9d2c33f9b7a2'],
  },
  {
    code: 'TYPE_MISMATCH',
    reason: "DaCHS 'warts': grammatical but ill-typed (CENTROID(3), POINT('ICRS', x, 'sy'), 5+9 > 'gaga'||'bla')",
    items: ['gavo/warts.xml#118c7d86-4509-11e6-b60c-9d2c33f9b7a2', 'gavo/warts.xml#1aa0786e-4509-11e6-b60c-9d2c33f9b7a2', 'gavo/warts.xml#d0725dde-450d-11e6-b20b-6d529bdffd4c'],
  },
  {
    code: 'TYPE_MISMATCH',
    reason: "ESO's DISTANCE(s_region, POINT(...)) measures from a polygon footprint; ADQL defines DISTANCE for two points only",
    items: ['ivoa/X1_obscore_eso.xml#91fb2719-7096-4b88-bcdb-00d86d125e7f', 'ivoa/X1_obscore_eso.xml#a8b1ce2a-64ff-47c7-9fcd-a64190a04c18', 'ivoa/X1_obscore_eso.xml#3dcda782-eb92-46a8-b6e2-5324c532eda9', 'ivoa/X1_obscore_eso.xml#554bb25b-c081-4870-b216-1cabb46e5c51', 'ivoa/X1_obscore_eso.xml#07e4961f-84d8-43f4-8249-0b7316c91fbd', 'ivoa/X1_obscore_eso.xml#5e83a501-61c1-4af3-aee7-7c987f5400b9'],
  },
  {
    code: 'UNKNOWN_FUNCTION',
    reason: 'ESO-specific functions (ESO_INTERSECTION, eso_dateadd_sec) that this service does not offer',
    items: ['ivoa/X1_obscore_eso.xml#7928f365-6631-4415-be7d-29865f14c083', 'ivoa/X1_obscore_eso.xml#7f30606b-509a-491f-8b5a-5d712f37670c', 'ivoa/X1_obscore_eso.xml#4b8bd9f4-611c-4d2e-8227-2525dee664d2', 'ivoa/X1_obscore_eso.xml#1084e068-8f31-4007-9d89-115dec609452', 'ivoa/X1_obscore_eso.xml#6794498f-1603-4a12-b0dd-e48be1acab4b'],
  },
  {
    code: 'INVALID_QUERY',
    reason:
      'INNER/OUTER JOIN without ON/USING: the ADQL BNF leaves the join condition optional and the DaCHS files mark ' +
      'these valid ("allowed by the grammar but senseless … always rejected by the database engines"), while ' +
      'ivoa/2_from.xml marks "t1 INNER JOIN t2" invalid and SQL-92 requires a condition. They parse; the ' +
      'translator rejects them with a message pointing to ON, USING, NATURAL or CROSS JOIN',
    items: ['gavo/simpleunit.xml#50cf9e14-4cfd-11e6-9064-032db3af9290', 'gavo/simpleunit.xml#9db41c44-450c-11e6-8564-332de33a5c03', 'gavo/simpleunit.xml#ab9be5d0-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#b8823240-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#bdcc3002-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#c24cec5c-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#d4c3a72c-4458-11e6-96e2-28b2bdcff70b', 'gavo/simpleunit.xml#dbef92f4-4458-11e6-96e2-28b2bdcff70b', 'gavo/subqueries.xml#1f5d27dc-450c-11e6-8564-332de33a5c03', 'gavo/subqueries.xml#e257048e-450b-11e6-a621-b59840aabaf1', 'gavo/whitespace.xml#1f5d27dc-450c-11e6-8564-332de33a5c03', 'gavo/whitespace.xml#d4c3a72c-4458-11e6-96e2-28b2bdcff70b', 'gavo/whitespace.xml#dbef92f4-4458-11e6-96e2-28b2bdcff70b'],
  },
];

export const EXCEPTIONS: ReadonlyArray<CorpusException> = [
  ...TRANSLATE_FAILS.flatMap((g) =>
    g.items.map((item) => {
      const [file, uuid] = item.split('#') as [string, string];
      return { file, uuid, kind: 'translate-fails' as const, code: g.code, reason: g.reason };
    }),
  ),
];

export function findException(q: Pick<CorpusQuery, 'file' | 'uuid'>): CorpusException | undefined {
  return EXCEPTIONS.find((e) => e.file === q.file && e.uuid === q.uuid);
}
