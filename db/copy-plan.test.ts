import { describe, expect, it } from 'vitest';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { copyReadType, planCopy } from './copy-plan.js';
import { PG_OID } from './pg-types.js';
import { SessionState, sessionSettings } from './session.js';

const col = (name: string, datatype: EncoderColumn['datatype'], extra: Partial<EncoderColumn> = {}): EncoderColumn => ({ name, datatype, description: name, ...extra });

describe('planCopy (bulk path types from the FIELDs)', () => {
  it('casts every non-character column to the type its FIELD implies, by position', () => {
    const plan = planCopy('SELECT a, a, b, t, v FROM x', [
      col('a', 'double'),
      col('a_2', 'long'),
      col('b', 'char', { arraysize: '*' }),
      col('t', 'char', { arraysize: '*', xtype: 'timestamp' }),
      col('v', 'float', { arraysize: '*' }),
    ]);
    expect(plan?.oids).toEqual([PG_OID.FLOAT8, PG_OID.INT8, PG_OID.TEXT, PG_OID.TIMESTAMP, PG_OID.FLOAT4_ARRAY]);
    expect(plan?.sql).toBe(
      'SELECT CAST(q.c1 AS double precision), CAST(q.c2 AS bigint), q.c3, CAST(q.c4 AS timestamp), CAST(q.c5 AS real[]) FROM (SELECT a, a, b, t, v FROM x) AS q(c1, c2, c3, c4, c5)',
    );
  });

  it('leaves columns without a bulk type to the cursor (bit), and complex numbers become arrays', () => {
    expect(planCopy('SELECT b FROM x', [col('b', 'bit')])).toBeUndefined();
    expect(copyReadType(col('z', 'doubleComplex'))).toEqual({ oid: PG_OID.FLOAT8_ARRAY, cast: 'double precision[]' });
    expect(copyReadType(col('u', 'unicodeChar', { arraysize: '*' }))).toEqual({ oid: PG_OID.TEXT });
  });
});

describe('sessionSettings', () => {
  it('sets READ ONLY transactions and the limits at session level, in a fixed text', () => {
    expect(sessionSettings({ statementTimeoutMs: 1500.7, limits: { workMemKb: 4096 } })).toBe(
      'SET default_transaction_read_only = on; SET statement_timeout = 1500; SET work_mem = 4096',
    );
    expect(sessionSettings({ readOnly: false })).toBe('SET default_transaction_read_only = off; SET statement_timeout = 0; SET work_mem TO DEFAULT');
  });

  it('is sent once per connection while the settings stay the same', () => {
    const s = new SessionState();
    const sync = sessionSettings({ statementTimeoutMs: 1000 });
    const async = sessionSettings({ statementTimeoutMs: 9000 });
    expect(s.pending(sync)).toBe(sync);
    s.applied(sync);
    expect(s.pending(sync)).toBeUndefined();
    expect(s.pending(async)).toBe(async);
  });
});
