/** The read-only role TAP queries run as. Roles belong to the whole cluster and grants must follow every table
 *  the migrations create, so this runs at every start (idempotent), after the migrations, as the admin role
 *  (the embedded cluster's superuser, or DATABASE_URL's role): create or update the login role, grant it USAGE
 *  on the published schemas and the upload schema and SELECT on their tables (now and, through default
 *  privileges, on tables the admin role creates later, such as upload tables), and nothing else: no write
 *  privilege anywhere, no access to the job store (uws) or the migration book (xtap).
 *  Its sessions are READ ONLY by default and temp_file_limit is set on the role (a superuser-only setting). */
import { createHmac } from 'node:crypto';
import type { PgDb, DbLog } from './pg-adapter.js';
import { DbError } from './types.js';

/** Schemas the query role may read: the published catalogue, the ADQL functions, and the per-query uploads. */
export const QUERY_SCHEMAS = ['csc2', 'ml', 'tap_schema', 'adql', 'tap_upload'] as const;

export interface QueryRoleOptions {
  role: string;
  /** A ready connection of the query role (XTAP_QUERY_DATABASE_URL); else one is derived from the admin URL. */
  queryDatabaseUrl?: string;
  tempFileLimitKb: number;
  log: DbLog;
}

export type QueryRoleOutcome =
  | { kind: 'role'; role: string }
  | { kind: 'admin'; reason: string };

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A password only the holder of the admin credentials can compute: replicas of the service agree on it. */
export function derivedPassword(adminUrl: string, role: string): string {
  const u = new URL(adminUrl);
  return createHmac('sha256', `xtap-query-role:${decodeURIComponent(u.password)}:${decodeURIComponent(u.username)}`).update(role).digest('hex');
}

export function queryUrlFor(adminUrl: string, role: string): string {
  const u = new URL(adminUrl);
  u.username = role;
  u.password = derivedPassword(adminUrl, role);
  return u.toString();
}

/** Role DDL races between processes starting together on one cluster (tests, replicas): retried. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = err instanceof DbError ? err.code : undefined;
      const racy = code === '23505' || code === '42710' || code === 'XX000' || code === '40001' || code === '40P01';
      if (!racy || attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    }
  }
}

/** The statements that make `role` a reader of QUERY_SCHEMAS in the current database (run as the admin role). */
export function grantStatements(role: string, database: string): string[] {
  const r = quoteIdent(role);
  const out = [`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${r}`];
  for (const s of QUERY_SCHEMAS) {
    out.push(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
    out.push(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
    out.push(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${r}`);
  }
  return out;
}

/** Creates/updates the query role and its grants, then points the Db's query pool at it. Falls back to the admin
 *  role (queries still READ ONLY) with a warning when the admin role may not do that. */
export async function prepareQueryRole(db: PgDb, adminUrl: string, opts: QueryRoleOptions): Promise<QueryRoleOutcome> {
  const { log } = opts;
  const me = (await db.queryObjects<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean; db: string }>(
    'SELECT rolname, rolsuper, rolcreaterole, current_database() AS db FROM pg_roles WHERE rolname = current_user',
  ))[0];
  if (!me) throw new Error('cannot read the admin role from pg_roles');
  const role = opts.queryDatabaseUrl ? decodeURIComponent(new URL(opts.queryDatabaseUrl).username) : opts.role;
  if (role === me.rolname) {
    const reason = `the query role is the admin role ${me.rolname}`;
    log.warn({ role }, `${reason}: TAP queries run READ ONLY but with the admin role's rights`);
    return { kind: 'admin', reason };
  }
  let queryUrl = opts.queryDatabaseUrl;
  try {
    if (!queryUrl) {
      if (!me.rolsuper && !me.rolcreaterole) {
        const reason = `the admin role ${me.rolname} may not create roles (needs CREATEROLE)`;
        log.warn({ admin: me.rolname, role }, `${reason}: TAP queries run as ${me.rolname} in READ ONLY transactions; create a read-only role and set XTAP_QUERY_DATABASE_URL`);
        return { kind: 'admin', reason };
      }
      const password = derivedPassword(adminUrl, role);
      await retrying(async () => {
        const exists = (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rows.length > 0;
        const attrs = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD '${password}'`;
        await db.exec(exists ? `ALTER ROLE ${quoteIdent(role)} WITH ${attrs}` : `CREATE ROLE ${quoteIdent(role)} WITH ${attrs}`);
      });
      queryUrl = queryUrlFor(adminUrl, role);
    }
    for (const stmt of grantStatements(role, me.db)) await retrying(() => db.exec(stmt));
  } catch (err) {
    const reason = `setting up the query role ${role} failed: ${err instanceof Error ? err.message : String(err)}`;
    log.warn({ role }, `${reason}; TAP queries run as ${me.rolname} in READ ONLY transactions`);
    return { kind: 'admin', reason };
  }
  if (!me.rolsuper) {
    // pg_cancel_backend/pg_terminate_backend of query sessions (client gone, orphans) need the query role's
    // privileges: the admin becomes a member of the (less privileged) query role.
    await retrying(() => db.exec(`GRANT ${quoteIdent(role)} TO CURRENT_USER`)).catch((err: unknown) =>
      log.warn({ role, err: (err as Error).message }, 'the admin role is not a member of the query role: it cannot cancel query sessions'),
    );
  }
  // Role settings are a second line of defence (every query already runs in a READ ONLY transaction).
  try {
    await retrying(() => db.exec(`ALTER ROLE ${quoteIdent(role)} SET default_transaction_read_only = on`));
  } catch (err) {
    log.warn({ role, err: (err as Error).message }, 'could not make the query role read-only by default (ALTER ROLE … SET default_transaction_read_only)');
  }
  if (me.rolsuper) {
    await retrying(() => db.exec(`ALTER ROLE ${quoteIdent(role)} SET temp_file_limit = ${Math.floor(opts.tempFileLimitKb)}`));
  } else {
    log.warn({ role }, 'temp_file_limit is not set on the query role (only a superuser may); set it with ALTER ROLE … SET temp_file_limit');
  }
  try {
    await db.useQueryConnection(queryUrl);
  } catch (err) {
    const reason = `cannot connect as the query role ${role}: ${err instanceof Error ? err.message : String(err)}`;
    log.warn({ role }, `${reason} (pg_hba.conf?); TAP queries run as ${me.rolname} in READ ONLY transactions`);
    return { kind: 'admin', reason };
  }
  log.info({ role }, 'TAP queries run as the read-only query role');
  return { kind: 'role', role };
}
