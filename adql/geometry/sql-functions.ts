/** The adql.* SQL functions: ADQL 2.1 §4.2 geometry on plain PostgreSQL (15+), no extension. Shapes are
 *  double precision[] in degrees (point [ra, dec], circle [ra, dec, r], polygon [ra1, dec1, ...]); each function
 *  mirrors the TypeScript reference in spherical.ts formula for formula. distance and point_in_circle are
 *  single-expression SQL functions so the planner inlines them (and folds the constant half of a cone test). */

const FN = 'IMMUTABLE STRICT PARALLEL SAFE';

/** Statements that create the adql schema and functions; each runs standalone (simple-query exec) and all are
 *  idempotent (CREATE OR REPLACE), so the list is one migration and can be re-applied after edits. */
export const ADQL_GEOMETRY_SQL: string[] = [
  `CREATE SCHEMA IF NOT EXISTS adql`,

  // Great-circle distance in degrees; see spherical.ts distance() for the form (Δα is first reduced exactly to
  // [-180, 180], and cos δ is taken as sin(90° - |δ|), both to keep full relative precision). Inlinable: one
  // expression whose parts are all strict and immutable.
  `CREATE OR REPLACE FUNCTION adql.distance(ra1 double precision, dec1 double precision, ra2 double precision, dec2 double precision)
RETURNS double precision LANGUAGE sql ${FN} AS $fn$
SELECT degrees(atan2(
  sqrt(power(sin(radians(90 - abs($4))) * sin(radians($3 - $1 - 360 * round(($3 - $1) / 360))), 2)
     + power(sin(radians($4 - $2))
             + 2 * sin(radians($2)) * sin(radians(90 - abs($4))) * power(sin(radians($3 - $1 - 360 * round(($3 - $1) / 360)) / 2), 2), 2)),
  sin(radians($2)) * sin(radians($4)) + sin(radians(90 - abs($2))) * sin(radians(90 - abs($4))) * cos(radians($3 - $1 - 360 * round(($3 - $1) / 360)))))
$fn$`,

  // Closed disc. Inlinable, so "... = 1" over a table costs one expression per row, constants folded once.
  `CREATE OR REPLACE FUNCTION adql.point_in_circle(ra double precision, "dec" double precision, cra double precision, cdec double precision, r double precision)
RETURNS integer LANGUAGE sql ${FN} AS $fn$
SELECT (adql.distance($1, $2, $3, $4) <= $5)::integer
$fn$`,

  // 1 point, 2 circle, 3 polygon; anything else is an error (SQLSTATE 22023) rather than a silent 0.
  `CREATE OR REPLACE FUNCTION adql._kind(g double precision[])
RETURNS integer LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  n integer := coalesce(array_length(g, 1), 0);
BEGIN
  IF array_ndims(g) > 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'adql: a geometry must be a one-dimensional array';
  END IF;
  IF n = 2 THEN RETURN 1; END IF;
  IF n = 3 THEN
    IF NOT g[array_lower(g, 1) + 2] >= 0 THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('adql: circle radius must be >= 0, got %s', g[array_lower(g, 1) + 2]);
    END IF;
    RETURN 2;
  END IF;
  IF n >= 6 AND n % 2 = 0 THEN RETURN 3; END IF;
  RAISE EXCEPTION USING ERRCODE = '22023',
    MESSAGE = format('adql: geometry array of length %s is not a point (2), circle (3) or polygon (even, >= 6)', n);
END
$fn$`,

  `CREATE OR REPLACE FUNCTION adql._vec(ra double precision, "dec" double precision)
RETURNS double precision[] LANGUAGE sql ${FN} AS $fn$
SELECT ARRAY[sin(radians(90 - abs($2))) * cos(radians($1)), sin(radians(90 - abs($2))) * sin(radians($1)), sin(radians($2))]
$fn$`,

  // Flat [x1, y1, z1, x2, ...] unit vectors of a polygon's vertices.
  `CREATE OR REPLACE FUNCTION adql._vertices(g double precision[])
RETURNS double precision[] LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  lo integer := array_lower(g, 1);
  m integer := array_length(g, 1) / 2;
  v double precision[] := array_fill(0::double precision, ARRAY[3 * m]);
  lon double precision;
  lat double precision;
  c double precision;
BEGIN
  FOR i IN 0 .. m - 1 LOOP
    lon := radians(g[lo + 2 * i]);
    lat := radians(g[lo + 2 * i + 1]);
    c := sin(radians(90 - abs(g[lo + 2 * i + 1])));
    v[3 * i + 1] := c * cos(lon);
    v[3 * i + 2] := c * sin(lon);
    v[3 * i + 3] := sin(lat);
  END LOOP;
  RETURN v;
END
$fn$`,

  // x · (b × c), the edge normal b × c taken as ½ (b - c) × (b + c) so short edges keep their direction
  // (spherical.ts edgeNormal()).
  `CREATE OR REPLACE FUNCTION adql._ndot(x1 double precision, x2 double precision, x3 double precision,
  b1 double precision, b2 double precision, b3 double precision, c1 double precision, c2 double precision, c3 double precision)
RETURNS double precision LANGUAGE sql ${FN} AS $fn$
SELECT $1 * (0.5 * (($5 - $8) * ($6 + $9) - ($6 - $9) * ($5 + $8)))
     + $2 * (0.5 * (($6 - $9) * ($4 + $7) - ($4 - $7) * ($6 + $9)))
     + $3 * (0.5 * (($4 - $7) * ($5 + $8) - ($5 - $8) * ($4 + $7)))
$fn$`,

  // Angle between unit vectors, radians: 2 atan2(|a - b|, |a + b|).
  `CREATE OR REPLACE FUNCTION adql._angle(a1 double precision, a2 double precision, a3 double precision,
  b1 double precision, b2 double precision, b3 double precision)
RETURNS double precision LANGUAGE sql ${FN} AS $fn$
SELECT 2 * atan2(sqrt(($1 - $4) * ($1 - $4) + ($2 - $5) * ($2 - $5) + ($3 - $6) * ($3 - $6)),
                 sqrt(($1 + $4) * ($1 + $4) + ($2 + $5) * ($2 + $5) + ($3 + $6) * ($3 + $6)))
$fn$`,

  // Σ signed solid angles of triangles (q, vᵢ, vᵢ₊₁): |result| is the area of the side of the boundary that does
  // not contain -q (spherical.ts fan()).
  `CREATE OR REPLACE FUNCTION adql._fan(q1 double precision, q2 double precision, q3 double precision, v double precision[])
RETURNS double precision LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  m integer := array_length(v, 1) / 3;
  s double precision := 0;
  j integer;
  b1 double precision; b2 double precision; b3 double precision;
  c1 double precision; c2 double precision; c3 double precision;
BEGIN
  FOR i IN 0 .. m - 1 LOOP
    j := (i + 1) % m;
    b1 := v[3 * i + 1]; b2 := v[3 * i + 2]; b3 := v[3 * i + 3];
    c1 := v[3 * j + 1]; c2 := v[3 * j + 2]; c3 := v[3 * j + 3];
    s := s + 2 * atan2(adql._ndot(q1, q2, q3, b1, b2, b3, c1, c2, c3),
                       (q1 + b1) * (q1 + c1) + (q2 + b2) * (q2 + c2) + (q3 + b3) * (q3 + c3));
  END LOOP;
  RETURN s;
END
$fn$`,

  // Point (unit vector) in polygon (vertex vectors), smaller-region rule, any winding.
  `CREATE OR REPLACE FUNCTION adql._pip(p1 double precision, p2 double precision, p3 double precision, v double precision[])
RETURNS boolean LANGUAGE sql ${FN} AS $fn$
SELECT abs(adql._fan(-$1, -$2, -$3, $4)) > 2 * pi()
$fn$`,

  // Smallest distance (radians) from p to the minor arc a→b.
  `CREATE OR REPLACE FUNCTION adql._arc_distance(p1 double precision, p2 double precision, p3 double precision,
  a1 double precision, a2 double precision, a3 double precision, b1 double precision, b2 double precision, b3 double precision)
RETURNS double precision LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  n1 double precision := 0.5 * ((a2 - b2) * (a3 + b3) - (a3 - b3) * (a2 + b2));
  n2 double precision := 0.5 * ((a3 - b3) * (a1 + b1) - (a1 - b1) * (a3 + b3));
  n3 double precision := 0.5 * ((a1 - b1) * (a2 + b2) - (a2 - b2) * (a1 + b1));
  nn double precision := sqrt(n1 * n1 + n2 * n2 + n3 * n3);
BEGIN
  -- p's foot on the great circle lies between a and b: p · (n × a) >= 0 and p · (b × n) >= 0
  IF nn > 0
     AND p1 * (n2 * a3 - n3 * a2) + p2 * (n3 * a1 - n1 * a3) + p3 * (n1 * a2 - n2 * a1) >= 0
     AND p1 * (b2 * n3 - b3 * n2) + p2 * (b3 * n1 - b1 * n3) + p3 * (b1 * n2 - b2 * n1) >= 0 THEN
    RETURN asin(least(1, abs(p1 * n1 + p2 * n2 + p3 * n3) / nn));
  END IF;
  RETURN least(adql._angle(p1, p2, p3, a1, a2, a3), adql._angle(p1, p2, p3, b1, b2, b3));
END
$fn$`,

  `CREATE OR REPLACE FUNCTION adql._min_edge_distance(p1 double precision, p2 double precision, p3 double precision, v double precision[])
RETURNS double precision LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  m integer := array_length(v, 1) / 3;
  d double precision := 'Infinity';
  j integer;
BEGIN
  FOR i IN 0 .. m - 1 LOOP
    j := (i + 1) % m;
    d := least(d, adql._arc_distance(p1, p2, p3, v[3 * i + 1], v[3 * i + 2], v[3 * i + 3], v[3 * j + 1], v[3 * j + 2], v[3 * j + 3]));
  END LOOP;
  RETURN d;
END
$fn$`,

  // Arcs a→b and c→d cross at a point interior to both (spherical.ts arcsCross()).
  `CREATE OR REPLACE FUNCTION adql._arcs_cross(a1 double precision, a2 double precision, a3 double precision,
  b1 double precision, b2 double precision, b3 double precision, c1 double precision, c2 double precision, c3 double precision,
  d1 double precision, d2 double precision, d3 double precision)
RETURNS boolean LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  acb double precision := -sign(adql._ndot(c1, c2, c3, a1, a2, a3, b1, b2, b3));
BEGIN
  IF acb = 0 OR sign(adql._ndot(d1, d2, d3, a1, a2, a3, b1, b2, b3)) <> acb THEN
    RETURN false;
  END IF;
  RETURN -sign(adql._ndot(b1, b2, b3, c1, c2, c3, d1, d2, d3)) = acb AND sign(adql._ndot(a1, a2, a3, c1, c2, c3, d1, d2, d3)) = acb;
END
$fn$`,

  `CREATE OR REPLACE FUNCTION adql._edges_cross(v double precision[], w double precision[])
RETURNS boolean LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  m integer := array_length(v, 1) / 3;
  k integer := array_length(w, 1) / 3;
  i2 integer;
  j2 integer;
BEGIN
  FOR i IN 0 .. m - 1 LOOP
    i2 := (i + 1) % m;
    FOR j IN 0 .. k - 1 LOOP
      j2 := (j + 1) % k;
      IF adql._arcs_cross(v[3 * i + 1], v[3 * i + 2], v[3 * i + 3], v[3 * i2 + 1], v[3 * i2 + 2], v[3 * i2 + 3],
                          w[3 * j + 1], w[3 * j + 2], w[3 * j + 3], w[3 * j2 + 1], w[3 * j2 + 2], w[3 * j2 + 3]) THEN
        RETURN true;
      END IF;
    END LOOP;
  END LOOP;
  RETURN false;
END
$fn$`,

  // Any vertex of v (vectors) inside polygon w; need_all = true asks for every vertex instead.
  `CREATE OR REPLACE FUNCTION adql._vertices_in(v double precision[], w double precision[], need_all boolean)
RETURNS boolean LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  inside boolean;
BEGIN
  FOR i IN 0 .. array_length(v, 1) / 3 - 1 LOOP
    inside := adql._pip(v[3 * i + 1], v[3 * i + 2], v[3 * i + 3], w);
    IF inside AND NOT need_all THEN RETURN true; END IF;
    IF NOT inside AND need_all THEN RETURN false; END IF;
  END LOOP;
  RETURN need_all;
END
$fn$`,

  // Point in polygon for (ra, dec) columns against a polygon array: 0/1.
  `CREATE OR REPLACE FUNCTION adql._point_in_polygon(ra double precision, "dec" double precision, poly double precision[])
RETURNS integer LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  p double precision[];
BEGIN
  IF adql._kind(poly) <> 3 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'adql: _point_in_polygon needs a polygon';
  END IF;
  IF array_position(poly, NULL::double precision) IS NOT NULL THEN RETURN NULL; END IF;
  p := adql._vec(ra, "dec");
  RETURN adql._pip(p[1], p[2], p[3], adql._vertices(poly))::integer;
END
$fn$`,

  // ADQL CONTAINS(a, b): 1 if shape a lies inside shape b (spherical.ts contains()).
  `CREATE OR REPLACE FUNCTION adql.contains(a double precision[], b double precision[])
RETURNS integer LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  ka integer := adql._kind(a);
  kb integer := adql._kind(b);
  la integer := array_lower(a, 1);
  lb integer := array_lower(b, 1);
  v double precision[];
  w double precision[];
BEGIN
  IF array_position(a, NULL::double precision) IS NOT NULL OR array_position(b, NULL::double precision) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  IF kb = 1 THEN
    RETURN (ka = 1 AND adql.distance(a[la], a[la + 1], b[lb], b[lb + 1]) = 0)::integer;
  END IF;
  IF kb = 2 THEN
    IF ka = 1 THEN RETURN (adql.distance(a[la], a[la + 1], b[lb], b[lb + 1]) <= b[lb + 2])::integer; END IF;
    IF ka = 2 THEN RETURN (adql.distance(a[la], a[la + 1], b[lb], b[lb + 1]) + a[la + 2] <= b[lb + 2])::integer; END IF;
    -- Polygon in cap: each edge's farthest point within r, and the centre's antipode outside the polygon.
    v := adql._vertices(a);
    w := adql._vec(b[lb], b[lb + 1]);
    RETURN (180 - degrees(adql._min_edge_distance(-w[1], -w[2], -w[3], v)) <= b[lb + 2]
            AND NOT adql._pip(-w[1], -w[2], -w[3], v))::integer;
  END IF;
  w := adql._vertices(b);
  IF ka = 1 THEN
    v := adql._vec(a[la], a[la + 1]);
    RETURN adql._pip(v[1], v[2], v[3], w)::integer;
  END IF;
  IF ka = 2 THEN
    v := adql._vec(a[la], a[la + 1]);
    RETURN (adql._pip(v[1], v[2], v[3], w) AND degrees(adql._min_edge_distance(v[1], v[2], v[3], w)) >= a[la + 2])::integer;
  END IF;
  v := adql._vertices(a);
  RETURN (adql._vertices_in(v, w, true) AND NOT adql._edges_cross(v, w))::integer;
END
$fn$`,

  // ADQL INTERSECTS(a, b): 1 if the shapes share a point (spherical.ts intersects()).
  `CREATE OR REPLACE FUNCTION adql.intersects(a double precision[], b double precision[])
RETURNS integer LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  ka integer := adql._kind(a);
  kb integer := adql._kind(b);
  t double precision[];
  k integer;
  la integer;
  lb integer;
  v double precision[];
  w double precision[];
BEGIN
  IF array_position(a, NULL::double precision) IS NOT NULL OR array_position(b, NULL::double precision) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  IF ka > kb THEN
    t := a; a := b; b := t;
    k := ka; ka := kb; kb := k;
  END IF;
  la := array_lower(a, 1);
  lb := array_lower(b, 1);
  IF kb = 1 THEN RETURN (adql.distance(a[la], a[la + 1], b[lb], b[lb + 1]) = 0)::integer; END IF;
  IF kb = 2 THEN
    IF ka = 1 THEN RETURN (adql.distance(a[la], a[la + 1], b[lb], b[lb + 1]) <= b[lb + 2])::integer; END IF;
    RETURN (adql.distance(a[la], a[la + 1], b[lb], b[lb + 1]) <= a[la + 2] + b[lb + 2])::integer;
  END IF;
  w := adql._vertices(b);
  IF ka = 1 THEN
    v := adql._vec(a[la], a[la + 1]);
    RETURN adql._pip(v[1], v[2], v[3], w)::integer;
  END IF;
  IF ka = 2 THEN
    v := adql._vec(a[la], a[la + 1]);
    RETURN (adql._pip(v[1], v[2], v[3], w) OR degrees(adql._min_edge_distance(v[1], v[2], v[3], w)) <= a[la + 2])::integer;
  END IF;
  v := adql._vertices(a);
  RETURN (adql._edges_cross(v, w) OR adql._vertices_in(v, w, false) OR adql._vertices_in(w, v, false))::integer;
END
$fn$`,

  // ADQL AREA in square degrees: point 0, circle the cap 4π sin²(r/2), polygon the smaller region's excess.
  `CREATE OR REPLACE FUNCTION adql.area(g double precision[])
RETURNS double precision LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  k integer := adql._kind(g);
  lo integer := array_lower(g, 1);
  h double precision;
  v double precision[];
  s double precision;
BEGIN
  IF array_position(g, NULL::double precision) IS NOT NULL THEN RETURN NULL; END IF;
  IF k = 1 THEN RETURN 0; END IF;
  IF k = 2 THEN
    h := sin(radians(least(g[lo + 2], 180)) / 2);
    RETURN 4 * pi() * h * h * ((180 / pi()) * (180 / pi()));
  END IF;
  v := adql._vertices(g);
  s := abs(adql._fan(v[1], v[2], v[3], v));
  IF s > 2 * pi() THEN s := 4 * pi() - s; END IF;
  RETURN s * ((180 / pi()) * (180 / pi()));
END
$fn$`,

  // ADQL CENTROID as a point [ra, dec]: a point itself, a circle's centre, a polygon's area centroid
  // (direction of ½ Σ θᵢ n̂ᵢ over the edges, flipped when the smaller region lies right of the edges).
  `CREATE OR REPLACE FUNCTION adql.centroid(g double precision[])
RETURNS double precision[] LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  lo integer := array_lower(g, 1);
  v double precision[];
  m integer;
  j integer;
  c1 double precision; c2 double precision; c3 double precision;
  sin_t double precision;
  f double precision;
  sx double precision := 0;
  sy double precision := 0;
  sz double precision := 0;
  s double precision;
  sgn double precision;
  ra double precision;
BEGIN
  IF array_position(g, NULL::double precision) IS NOT NULL THEN RETURN NULL; END IF;
  IF adql._kind(g) <> 3 THEN RETURN ARRAY[g[lo], g[lo + 1]]; END IF;
  v := adql._vertices(g);
  m := array_length(v, 1) / 3;
  FOR i IN 0 .. m - 1 LOOP
    j := (i + 1) % m;
    -- edge normal as ½ (a - b) × (a + b), as in _ndot
    c1 := 0.5 * ((v[3 * i + 2] - v[3 * j + 2]) * (v[3 * i + 3] + v[3 * j + 3]) - (v[3 * i + 3] - v[3 * j + 3]) * (v[3 * i + 2] + v[3 * j + 2]));
    c2 := 0.5 * ((v[3 * i + 3] - v[3 * j + 3]) * (v[3 * i + 1] + v[3 * j + 1]) - (v[3 * i + 1] - v[3 * j + 1]) * (v[3 * i + 3] + v[3 * j + 3]));
    c3 := 0.5 * ((v[3 * i + 1] - v[3 * j + 1]) * (v[3 * i + 2] + v[3 * j + 2]) - (v[3 * i + 2] - v[3 * j + 2]) * (v[3 * i + 1] + v[3 * j + 1]));
    sin_t := sqrt(c1 * c1 + c2 * c2 + c3 * c3);
    IF sin_t > 0 THEN
      f := adql._angle(v[3 * i + 1], v[3 * i + 2], v[3 * i + 3], v[3 * j + 1], v[3 * j + 2], v[3 * j + 3]) / sin_t;
    ELSE
      f := 1;
    END IF;
    sx := sx + f * c1;
    sy := sy + f * c2;
    sz := sz + f * c3;
  END LOOP;
  s := adql._fan(v[1], v[2], v[3], v);
  IF abs(s) <= 2 * pi() THEN
    sgn := CASE WHEN s > 0 THEN 1 ELSE -1 END;
  ELSE
    sgn := CASE WHEN s < 0 THEN 1 ELSE -1 END;
  END IF;
  sx := sgn * sx; sy := sgn * sy; sz := sgn * sz;
  ra := degrees(atan2(sy, sx));
  IF ra < 0 THEN ra := ra + 360; END IF;
  IF ra >= 360 THEN ra := ra - 360; END IF;
  RETURN ARRAY[ra, degrees(atan2(sz, sqrt(sx * sx + sy * sy)))];
END
$fn$`,

  // BOX(ra, dec, width, height) as a polygon (spherical.ts boxToPolygon()), for non-constant arguments.
  `CREATE OR REPLACE FUNCTION adql._box(ra double precision, "dec" double precision, width double precision, height double precision)
RETURNS double precision[] LANGUAGE plpgsql ${FN} AS $fn$
DECLARE
  c double precision[] := adql._vec(ra, "dec");
  e1 double precision := -sin(radians(ra));
  e2 double precision := cos(radians(ra));
  n1 double precision;
  n2 double precision;
  n3 double precision;
  tw double precision;
  th double precision;
  res double precision[] := '{}';
  se double precision;
  sn double precision;
  x double precision; y double precision; z double precision;
  lon double precision;
BEGIN
  IF NOT (width >= 0 AND width < 180 AND height >= 0 AND height < 180) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('adql: box width and height must be in [0, 180), got %s x %s', width, height);
  END IF;
  -- north = c × east, east = (e1, e2, 0)
  n1 := c[2] * 0 - c[3] * e2;
  n2 := c[3] * e1 - c[1] * 0;
  n3 := c[1] * e2 - c[2] * e1;
  tw := tan(radians(width / 2));
  th := tan(radians(height / 2));
  FOR i IN 0 .. 3 LOOP
    se := CASE WHEN i IN (1, 2) THEN 1 ELSE -1 END;
    sn := CASE WHEN i >= 2 THEN 1 ELSE -1 END;
    x := c[1] + se * tw * e1 + sn * th * n1;
    y := c[2] + se * tw * e2 + sn * th * n2;
    z := c[3] + se * tw * 0 + sn * th * n3;
    lon := degrees(atan2(y, x));
    IF lon < 0 THEN lon := lon + 360; END IF;
    IF lon >= 360 THEN lon := lon - 360; END IF;
    res := res || ARRAY[lon, degrees(atan2(z, sqrt(x * x + y * y)))];
  END LOOP;
  RETURN res;
END
$fn$`,
];
