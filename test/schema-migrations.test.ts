/** Migrations are append-only: the SQL each released migration produces is pinned by its SHA-256 (statements
 *  joined by "\n;\n"), computed from the code before the migration list moved to db/migrations.ts. A change to a
 *  released migration's output fails here; a new migration gets a new version and a new line. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../db/index.js';
import { TABLE_MIGRATIONS } from '../schema/index.js';

const RELEASED: Readonly<Record<number, string>> = {
  1: '0dbddd9132d62c9fe34d33ebcc93951f23e6cb307a02f3dc644f4ffddefa4967',
  2: 'a599c36196bcf0a1279e8db899286ef78bbd96f9adec3b3a82176ee552afdf7c',
  3: 'dacf95aab560099bf441904e48b96eb9756314063bfc7f65d8d1bb91e62caac6',
  4: 'c23f1ef0f383e80389ef20dd15af3d3cb4750d4b18c71314f09080b3c13f3786',
  10: '7276a6a9b8eef2f9f579f219e8491fdfb0199edffd460a0b5cc106bf3915d24b',
  21: '4e3e55e55928bd390eb7cf8ec312bd941d3cdda944e62d48c818d18a2970c033',
  22: '3f166cd9e8d7a994ff263c42e1e938fcb19c83dc79ef85899240373ff6754dad',
};

const sha256 = (statements: string[]): string => createHash('sha256').update(statements.join('\n;\n')).digest('hex');

describe('migrations', () => {
  it('every released migration produces byte-identical SQL', () => {
    const released = MIGRATIONS.filter((m) => RELEASED[m.version] !== undefined);
    expect(released.map((m) => m.version)).toEqual(Object.keys(RELEASED).map(Number));
    for (const m of released) expect({ version: m.version, sha256: sha256(m.statements()) }).toEqual({ version: m.version, sha256: RELEASED[m.version] });
  });

  it('versions are unique and in order; db/ adds exactly the geometry (4) and UWS (10) migrations to schema’s', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const added = versions.filter((v) => !TABLE_MIGRATIONS.some((t) => t.version === v));
    expect(added).toEqual([4, 10]);
  });
});
