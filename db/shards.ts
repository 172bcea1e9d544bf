/** The HEALPix-sharded catalogue on PostgreSQL's own engines (issue 11 point 6, docs/SCALE-OUT.md): a copy of
 *  csc2.master_source as csc2_sharded.master_source, a table partitioned by RANGE (hpx14) on the coordinator
 *  whose partitions are postgres_fdw foreign tables living in other PostgreSQL clusters (the shards).
 *  Partition bounds are equal-count quantiles of hpx14 rounded down to whole order-4 HEALPix pixels (so every
 *  partition is a union of order-4 pixels, i.e. a set of sky regions), dealt to the shards in turn; a DEFAULT
 *  partition holds rows without a HEALPix index. The servers are async_capable, so an Append over partitions
 *  on several shards runs their scans concurrently; the HEALPix range condition of a cone (hpx14 BETWEEN …)
 *  prunes the partitions at plan time and is shipped to the shard, which uses its hpx14 index there.
 *  setupShards builds it (idempotent: drops and rebuilds); compareSharded runs queries against both tables
 *  and compares their rows with an order-insensitive checksum. */
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { HEALPIX_ORDER } from '../schema/index.js';

export const SHARDED_SCHEMA = 'csc2_sharded';
const SOURCE = 'csc2.master_source';
/** Partition bounds are multiples of this (whole order-4 pixels in the nested order-14 index). */
const BOUND_PIXEL_ORDER = 4;
const BOUND_STEP = 4n ** BigInt(HEALPIX_ORDER - BOUND_PIXEL_ORDER);

export interface ShardTarget {
  /** Name of the foreign server on the coordinator (xtap_<name>). */
  name: string;
  /** postgres:// URL of the shard's database. */
  url: string;
}

export interface ShardOptions {
  partitionsPerShard?: number;
  /** postgres_fdw fetch_size: rows per round trip from a shard. */
  fetchSize?: number;
  log?: (msg: string) => void;
}

export interface PartitionInfo {
  table: string;
  shard: string;
  /** Inclusive lower / exclusive upper hpx14 bound; null = unbounded; both absent: the DEFAULT partition. */
  from: string | null;
  to: string | null;
  isDefault: boolean;
  rows: number;
}

function q(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'xtap:shards' });
  await c.connect();
  return c;
}

/** Equal-count bounds of hpx14, rounded down to whole order-4 pixels, strictly increasing (fewer when the data
 *  is concentrated in few pixels). */
export function partitionBounds(quantiles: ReadonlyArray<bigint>): bigint[] {
  const out: bigint[] = [];
  for (const v of quantiles) {
    const b = (v / BOUND_STEP) * BOUND_STEP;
    if (b > 0n && (out.length === 0 || b > (out[out.length - 1] as bigint))) out.push(b);
  }
  return out;
}

export async function setupShards(coordinatorUrl: string, shards: ReadonlyArray<ShardTarget>, opts: ShardOptions = {}): Promise<PartitionInfo[]> {
  if (shards.length === 0) throw new Error('no shards given');
  const log = opts.log ?? (() => undefined);
  const fetchSize = opts.fetchSize ?? 10_000;
  const parts = shards.length * (opts.partitionsPerShard ?? 2);
  const coord = await connect(coordinatorUrl);
  const shardClients = await Promise.all(shards.map((s) => connect(s.url)));
  try {
    const cols = (
      await coord.query<{ name: string; type: string; notnull: boolean }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
           FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [SOURCE],
      )
    ).rows;
    const colDdl = cols.map((c) => `${q(c.name)} ${c.type}${c.notnull ? ' NOT NULL' : ''}`).join(', ');
    const fractions = Array.from({ length: parts - 1 }, (_, i) => (i + 1) / parts);
    const qs = fractions.length
      ? ((await coord.query<{ b: string[] | null }>(`SELECT percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY hpx14) AS b FROM ${SOURCE}`, [fractions])).rows[0]?.b ?? [])
      : [];
    const bounds = partitionBounds(qs.filter((x): x is string => x !== null).map((x) => BigInt(x)));
    const ranges: Array<{ from: bigint | null; to: bigint | null }> = [];
    for (let i = 0; i <= bounds.length; i++) ranges.push({ from: i === 0 ? null : (bounds[i - 1] as bigint), to: i === bounds.length ? null : (bounds[i] as bigint) });
    const plan = [
      ...ranges.map((r, i) => ({ table: `master_source_p${i}`, shardIndex: i % shards.length, ...r, isDefault: false })),
      { table: 'master_source_default', shardIndex: 0, from: null, to: null, isDefault: true },
    ];

    // 1. The shards: one plain table per partition with its CHECK, loaded by binary COPY from the coordinator.
    for (const [i, c] of shardClients.entries()) {
      await c.query('CREATE SCHEMA IF NOT EXISTS csc2');
      const mine = plan.filter((p) => p.shardIndex === i);
      const names = (await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'csc2' AND tablename LIKE 'master_source_%'")).rows;
      for (const { t } of names) await c.query(`DROP TABLE csc2.${q(t)}`);
      for (const p of mine) await c.query(`CREATE TABLE csc2.${q(p.table)} (${colDdl}, CHECK (${rangeSql(p)}))`);
    }
    const rows: PartitionInfo[] = [];
    for (const p of plan) {
      const shard = shards[p.shardIndex] as ShardTarget;
      const target = shardClients[p.shardIndex] as pg.Client;
      const started = Date.now();
      const source = coord.query(copyStreams.to(`COPY (SELECT * FROM ${SOURCE} WHERE ${rangeSql(p)}) TO STDOUT (FORMAT binary)`));
      const sink = target.query(copyStreams.from(`COPY csc2.${q(p.table)} FROM STDIN (FORMAT binary)`));
      await pipeline(source, sink);
      const n = Number(sink.rowCount ?? 0);
      await target.query(`CREATE INDEX ON csc2.${q(p.table)} (hpx14)`);
      await target.query(`CREATE INDEX ON csc2.${q(p.table)} (name)`);
      await target.query(`ANALYZE csc2.${q(p.table)}`);
      log(`${p.table} → ${shard.name}: ${n} rows, hpx14 ${p.isDefault ? 'NULL (default)' : `[${p.from ?? 'MINVALUE'}, ${p.to ?? 'MAXVALUE'})`} (${Date.now() - started} ms)`);
      rows.push({ table: p.table, shard: shard.name, from: p.from?.toString() ?? null, to: p.to?.toString() ?? null, isDefault: p.isDefault, rows: n });
    }

    // 2. The coordinator: servers, user mappings, the partitioned table with foreign partitions.
    await coord.query('CREATE EXTENSION IF NOT EXISTS postgres_fdw');
    await coord.query(`DROP SCHEMA IF EXISTS ${SHARDED_SCHEMA} CASCADE`);
    await coord.query(`CREATE SCHEMA ${SHARDED_SCHEMA}`);
    for (const s of shards) {
      const u = new URL(s.url);
      const server = `xtap_${s.name}`;
      await coord.query(`DROP SERVER IF EXISTS ${q(server)} CASCADE`);
      await coord.query(
        `CREATE SERVER ${q(server)} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host ${lit(u.hostname)}, port ${lit(u.port || '5432')}, dbname ${lit(decodeURIComponent(u.pathname.slice(1)))}, async_capable 'true', fetch_size ${lit(String(fetchSize))}, application_name 'xtap:fdw')`,
      );
      const user = decodeURIComponent(u.username || 'postgres');
      const secret = u.password ? `, password ${lit(decodeURIComponent(u.password))}` : ", password_required 'false'";
      // PUBLIC: the read-only query role reads the shards too (as the shard's user given in the URL).
      await coord.query(`CREATE USER MAPPING FOR PUBLIC SERVER ${q(server)} OPTIONS (user ${lit(user)}${secret})`);
    }
    await coord.query(`CREATE TABLE ${SHARDED_SCHEMA}.master_source (${colDdl}) PARTITION BY RANGE (hpx14)`);
    for (const p of plan) {
      const server = `xtap_${(shards[p.shardIndex] as ShardTarget).name}`;
      const bound = p.isDefault ? 'DEFAULT' : `FOR VALUES FROM (${p.from ?? 'MINVALUE'}) TO (${p.to ?? 'MAXVALUE'})`;
      await coord.query(
        `CREATE FOREIGN TABLE ${SHARDED_SCHEMA}.${q(p.table)} PARTITION OF ${SHARDED_SCHEMA}.master_source ${bound} SERVER ${q(server)} OPTIONS (schema_name 'csc2', table_name ${lit(p.table)})`,
      );
      await coord.query(`ANALYZE ${SHARDED_SCHEMA}.${q(p.table)}`);
    }
    await coord.query(`GRANT USAGE ON SCHEMA ${SHARDED_SCHEMA} TO PUBLIC`);
    await coord.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${SHARDED_SCHEMA} TO PUBLIC`);
    const total = Number((await coord.query<{ n: string }>(`SELECT count(*) AS n FROM ${SOURCE}`)).rows[0]?.n ?? 0);
    const copied = rows.reduce((a, r) => a + r.rows, 0);
    if (copied !== total) throw new Error(`the shards got ${copied} rows, ${SOURCE} has ${total}`);
    return rows;
  } finally {
    await Promise.all([coord, ...shardClients].map((c) => c.end().catch(() => undefined)));
  }
}

function rangeSql(p: { from: bigint | null; to: bigint | null; isDefault: boolean }): string {
  if (p.isDefault) return 'hpx14 IS NULL';
  const lo = p.from === null ? 'hpx14 IS NOT NULL' : `hpx14 >= ${p.from}`;
  return p.to === null ? lo : `${lo} AND hpx14 < ${p.to}`;
}

/** SQL of the sharded copy for SQL translated against csc2.master_source. */
export function onShards(sql: string): string {
  const out = sql.replaceAll('"csc2"."master_source"', `"${SHARDED_SCHEMA}"."master_source"`);
  if (out === sql) throw new Error('the query does not read "csc2"."master_source"');
  return out;
}

export interface Checksum {
  rows: number;
  /** Sum of the first 64 bits of md5(row text) over the rows: independent of row order. */
  sum: string;
}

/** Row count and order-insensitive checksum of a query's rows. */
export async function checksum(client: pg.Client, sql: string): Promise<Checksum> {
  const r = await client.query<{ n: string; h: string }>(
    `SELECT count(*) AS n, coalesce(sum(('x' || left(md5(x::text), 16))::bit(64)::bigint::numeric), 0)::text AS h FROM (${sql}) AS x`,
  );
  return { rows: Number(r.rows[0]?.n ?? 0), sum: r.rows[0]?.h ?? '0' };
}

/** What the planner does with the sharded query: foreign scans it keeps (after pruning), of all partitions,
 *  and whether they run asynchronously. */
export async function shardPlan(client: pg.Client, sql: string): Promise<{ scanned: number; partitions: number; async: boolean }> {
  const text = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE) ${sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
  const partitions = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = '${SHARDED_SCHEMA}.master_source'::regclass`)).rows[0]?.n ?? 0);
  const scanned = (text.match(/Foreign Scan on /g) ?? []).length;
  return { scanned, partitions, async: /Async Foreign Scan/.test(text) };
}
