/** Staging tables for transactional loads: rows are COPYed into a temporary copy of the target table (plus an
 *  arrival-order column), then upserted by primary key, the last occurrence of a key winning. */
import type { Queryable } from '../db/index.js';
import { quoteIdent, sqlTableName } from '../schema/index.js';
import type { TableDef } from '../schema/index.js';

export interface Staged {
  table: TableDef;
  columns: string[];
  stage: string;
}

export async function createStage(tx: Queryable, table: TableDef, columns: string[]): Promise<Staged> {
  const stage = `xtap_stage_${table.name}`;
  await tx.exec(`DROP TABLE IF EXISTS ${stage}`);
  await tx.exec(`CREATE TEMP TABLE ${stage} (LIKE ${sqlTableName(table)}) ON COMMIT DROP`);
  await tx.exec(`ALTER TABLE ${stage} ADD COLUMN xtap_ord bigint`);
  return { table, columns, stage };
}

export async function upsertFromStage(tx: Queryable, s: Staged, where?: string): Promise<number> {
  const pk = s.table.primaryKey ?? [];
  const cols = s.columns.map(quoteIdent).join(', ');
  const pkSql = pk.map(quoteIdent).join(', ');
  const updates = s.columns.filter((c) => !pk.includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
  // IS DISTINCT FROM keeps re-loads of identical rows from rewriting (and counting) them.
  const changed = s.columns
    .filter((c) => !pk.includes(c))
    .map((c) => `${sqlTableName(s.table)}.${quoteIdent(c)} IS DISTINCT FROM EXCLUDED.${quoteIdent(c)}`);
  const onConflict = updates.length ? `DO UPDATE SET ${updates.join(', ')} WHERE ${changed.join(' OR ')}` : 'DO NOTHING';
  const r = await tx.query(
    `INSERT INTO ${sqlTableName(s.table)} (${cols}) SELECT DISTINCT ON (${pkSql}) ${cols} FROM ${s.stage} ` +
      `${where ? `WHERE ${where} ` : ''}ORDER BY ${pkSql}, xtap_ord DESC ON CONFLICT (${pkSql}) ${onConflict}`,
  );
  return r.rowCount;
}

