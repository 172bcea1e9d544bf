/** Runs the `xtap` command line in-process with a test environment (DATABASE_URL of a test database, …), and
 *  counts rows in that database on a connection of its own, as a user would check after a command. */
import { runCli } from '../../cli/program.js';
import { openDb } from '../../db/index.js';

export async function runCliWith(env: Record<string, string>, args: string[]): Promise<number> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await runCli(args);
  } finally {
    process.env = saved;
  }
}

export async function countRows(env: Record<string, string>, table: string): Promise<number> {
  const db = await openDb({ databaseUrl: env.DATABASE_URL, dataDir: env.XTAP_DATA_DIR ?? '' });
  try {
    return Number((await db.query(`SELECT count(*) FROM ${table}`)).rows[0]?.[0]);
  } finally {
    await db.close();
  }
}
