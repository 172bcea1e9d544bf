/** The resumable state of a mirror: the remote service, and the chunks already loaded per table. Written after
 *  each chunk's transaction commits (write to a temporary file, then rename), so a crash leaves either the old
 *  or the new state; a chunk committed but not yet recorded is loaded again on resume, which the primary-key
 *  upsert makes harmless. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const StateSchema = z.object({
  from: z.string(),
  done: z.record(z.string(), z.array(z.string())),
  classified: z.boolean().default(false),
});

export type MirrorState = z.infer<typeof StateSchema>;

export function emptyState(from: string): MirrorState {
  return { from, done: {}, classified: false };
}

/** Reads the state file; a missing file is a fresh start. Throws on a file that is not a mirror state. */
export function readState(file: string, from: string): MirrorState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(from);
    throw err;
  }
  const parsed = StateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not an xtap mirror state file: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  if (parsed.data.from !== from) throw new Error(`${file} records a mirror of ${parsed.data.from}, not ${from}; use another --state file`);
  return parsed.data;
}

export function writeState(file: string, state: MirrorState): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`);
  renameSync(tmp, file);
}
