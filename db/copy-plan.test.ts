import { describe, expect, it } from 'vitest';
import type { EncoderColumn } from '../votable/column-codecs.js';
import { copyReadType, planCopy } from './copy-plan.js';
import { PG_OID } from './pg-types.js';
import { sessionPreamble } from './session.js';

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

describe('sessionPreamble', () => {
  it('opens a READ ONLY transaction with its limits in one message', () => {
    expect(sessionPreamble({ statementTimeoutMs: 1500.7, limits: { workMemKb: 4096 } })).toBe(
      'BEGIN READ ONLY; SET LOCAL statement_timeout = 1500; SET LOCAL work_mem = 4096; SET LOCAL standard_conforming_strings = on',
    );
    expect(sessionPreamble({ readOnly: false })).toBe('BEGIN; SET LOCAL standard_conforming_strings = on');
  });
});
