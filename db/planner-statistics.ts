/** Planner statistics inside a long transaction. Autovacuum cannot see a transaction's own uncommitted rows, so a
 *  transaction that bulk-loads tables and then queries them (ingest with ML on ingest, `xtap synth`) plans with
 *  the statistics the tables had before the load, often none at all. The classifier's input query then hash-joined a
 *  full scan of csc2.stack_observation_assoc once per source: ~60-90 s per 10k-source batch on the synthetic full
 *  catalogue (2M association rows) instead of ~1 s with statistics. ANALYZE may run in a transaction block and
 *  counts the transaction's own rows, so the remedy is to analyze, before such queries, the tables whose changes pass
 *  autovacuum's own analyze threshold. */
import type { Queryable } from './types.js';

/** Per transaction object: the transaction id and, per table, its change count when this module analyzed it. */
const analyzedIn = new WeakMap<Queryable, { xid: string; changesAtAnalyze: Map<string, number> }>();

export interface StatisticsRefresh {
  /** Tables analyzed by this call, as given. */
  analyzed: string[];
}

/** autovacuum's analyze rule: more changes than threshold + scaleFactor x rows. A table without column statistics
 *  counts as empty, because ANALYZE's row count (pg_class.reltuples) is written in place and survives a rolled-back
 *  load while its column statistics do not. */
export function statisticsStale(
  table: { changes: number; reltuples: number; hasStatistics: boolean },
  rule: { threshold: number; scaleFactor: number },
): boolean {
  const rows = table.hasStatistics ? Math.max(0, table.reltuples) : 0;
  return table.changes > rule.threshold + rule.scaleFactor * rows;
}

/** ANALYZEs each of `tables` (qualified names) whose rows changed, in this transaction and since its last ANALYZE,
 *  by more than autovacuum_analyze_threshold + autovacuum_analyze_scale_factor x its row count (0 for a table
 *  without column statistics); changes already covered by an earlier call in the same transaction are not counted
 *  again. Tables that do not exist are skipped. */
export async function refreshPlannerStatistics(tx: Queryable, tables: ReadonlyArray<string>): Promise<StatisticsRefresh> {
  const r = await tx.query(
    `SELECT t.name, coalesce(x.n_tup_ins + x.n_tup_upd + x.n_tup_del, 0) + coalesce(s.n_mod_since_analyze, 0), ` +
      `greatest(c.reltuples, 0), current_setting('autovacuum_analyze_threshold')::float8, ` +
      `current_setting('autovacuum_analyze_scale_factor')::float8, coalesce(pg_current_xact_id_if_assigned()::text, ''), ` +
      `EXISTS (SELECT 1 FROM pg_stats p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) ` +
      `FROM unnest($1::text[]) WITH ORDINALITY AS t(name, ord) JOIN pg_class c ON c.oid = to_regclass(t.name) JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `LEFT JOIN pg_stat_xact_user_tables x ON x.relid = c.oid LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid ORDER BY t.ord`,
    [tables],
  );
  const analyzed: string[] = [];
  for (const row of r.rows) {
    const [name, changes, xid] = [String(row[0]), Number(row[1]), String(row[5])];
    // Outside a transaction that wrote (no xid), the counts are committed ones that ANALYZE itself resets: no memo.
    let memo = xid === '' ? undefined : analyzedIn.get(tx);
    if (xid !== '' && (!memo || memo.xid !== xid)) analyzedIn.set(tx, (memo = { xid, changesAtAnalyze: new Map() }));
    const table = { changes: changes - (memo?.changesAtAnalyze.get(name) ?? 0), reltuples: Number(row[2]), hasStatistics: row[6] === true };
    if (!statisticsStale(table, { threshold: Number(row[3]), scaleFactor: Number(row[4]) })) continue;
    await tx.query(`ANALYZE ${name}`);
    memo?.changesAtAnalyze.set(name, changes);
    analyzed.push(name);
  }
  return { analyzed };
}
