/** Parses a VOTable arraysize ('*', '22*', '8', '24x16', '3x*') into the shape the codecs need: how many
 *  elements a value has (fixed) or may have (variable), with multi-dimensional arrays flattened in FORTRAN
 *  order as VOTable 1.4 §2.2 lays them out. Pure. */
import { VotableError } from './errors.js';

export interface ArrayShape {
  /** 'scalar': no arraysize; 'fixed': exactly `count` elements; 'variable': a length prefix in binary. */
  kind: 'scalar' | 'fixed' | 'variable';
  /** Fixed: total elements; variable: the bound ('22*' → 22, '3x4*' → 12), or Infinity for '*'. */
  count: number;
  /** Product of the fixed leading dimensions ('24x*' → 24); a variable length is a multiple of it. */
  unit: number;
}

const SCALAR: ArrayShape = { kind: 'scalar', count: 1, unit: 1 };

export function parseArraysize(arraysize: string | undefined, where: { field?: string } = {}): ArrayShape {
  if (arraysize === undefined || arraysize.trim() === '') return SCALAR;
  const dims = arraysize.trim().split('x');
  let unit = 1;
  for (let i = 0; i < dims.length - 1; i++) {
    const d = dims[i] ?? '';
    if (!/^[0-9]+$/.test(d)) throw new VotableError('E04', `bad arraysize "${arraysize}"`, where);
    unit *= Number(d);
  }
  const last = dims[dims.length - 1] ?? '';
  const m = /^([0-9]*)(\*?)$/.exec(last);
  if (!m || (m[1] === '' && m[2] === '')) throw new VotableError('E04', `bad arraysize "${arraysize}"`, where);
  if (m[2] === '*') return { kind: 'variable', count: m[1] ? unit * Number(m[1]) : Infinity, unit };
  return { kind: 'fixed', count: unit * Number(m[1]), unit };
}
