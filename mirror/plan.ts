/** What a mirror asks the remote service for each CSC2 table: the table, where its sky position comes from (its
 *  own ra/dec, or the row it links for the association tables) and the ADQL of one chunk. Pure logic. */
import type { Csc2TableName } from '../ingest/index.js';
import type { Chunk } from './chunks.js';
import { enclosingCircle } from './chunks.js';

/** Mirror order: every foreign key points to a table mirrored earlier (master → stack → observation → assoc). */
export const MIRROR_TABLES: ReadonlyArray<Csc2TableName> = ['master_source', 'stack_source', 'observation_source', 'master_stack_assoc', 'stack_observation_assoc'];

/** Output columns the chunk query adds for the chunk filter; dropped before loading. */
export const POSITION_ALIASES = ['xtap_mirror_ra', 'xtap_mirror_dec'] as const;

interface Source {
  /** FROM clause; the mirrored table is `t`, the row giving the position `p`. */
  from: string;
}

const SOURCES: Record<Csc2TableName, Source> = {
  master_source: { from: 'csc2.master_source AS t' },
  stack_source: { from: 'csc2.stack_source AS t' },
  observation_source: { from: 'csc2.observation_source AS t' },
  master_stack_assoc: { from: 'csc2.master_stack_assoc AS t JOIN csc2.master_source AS p ON p.name = t.name' },
  stack_observation_assoc: {
    from: 'csc2.stack_observation_assoc AS t JOIN csc2.stack_source AS p ON p.detect_stack_id = t.detect_stack_id AND p.region_id = t.region_id',
  },
};

function positionAlias(table: Csc2TableName): string {
  return table === 'master_stack_assoc' || table === 'stack_observation_assoc' ? 'p' : 't';
}

/** Plain number for ADQL (no exponent surprises for tiny values). */
function num(x: number): string {
  return Number(x.toFixed(12)).toString();
}

/** ADQL of one chunk: the table's columns plus the position used to assign the row to a chunk. */
export function chunkQuery(table: Csc2TableName, columns: ReadonlyArray<string>, chunk: Chunk): string {
  const p = positionAlias(table);
  const select = [...columns.map((c) => `t.${quoteIdentifier(c)}`), `${p}.ra AS ${POSITION_ALIASES[0]}`, `${p}.dec AS ${POSITION_ALIASES[1]}`].join(', ');
  let where: string;
  if (chunk.kind === 'nopos') where = `${p}.ra IS NULL OR ${p}.dec IS NULL`;
  else {
    const c = enclosingCircle(chunk.order, chunk.pixel);
    where = `1 = CONTAINS(POINT('ICRS', ${p}.ra, ${p}.dec), CIRCLE('ICRS', ${num(c.ra)}, ${num(c.dec)}, ${num(c.radius)}))`;
  }
  return `SELECT ${select} FROM ${SOURCES[table].from} WHERE ${where}`;
}

/** ADQL asking the remote TAP_SCHEMA which columns it publishes for a csc2 table. */
export function columnsQuery(table: Csc2TableName): string {
  return `SELECT column_name FROM TAP_SCHEMA.columns WHERE table_name = 'csc2.${table}'`;
}

const REGULAR = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Column names are taken from the remote TAP_SCHEMA; anything not a plain identifier is delimited. */
export function quoteIdentifier(name: string): string {
  return REGULAR.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
