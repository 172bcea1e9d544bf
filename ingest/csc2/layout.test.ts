import { describe, expect, it } from 'vitest';
import { autoLayout, explicitLayout } from './layout.js';

describe('autoLayout', () => {
  it('splits CSC CLI per-observation output into master and observation columns', () => {
    const header = ['separation', 'name', 'ra', 'dec', 'flux_aper90_b', 'obsid', 'region_id', 'obi', 'ra_pnt', 'flux_aper90_b.1', 'var_prob_b', 'usrid'];
    const { layout, unknown } = autoLayout(header);
    expect(unknown).toEqual([]);
    expect(layout.ignored).toEqual(['separation', 'usrid']);
    expect(layout.tables.master_source?.map((t) => [t.inputName, t.index])).toEqual([
      ['name', 1], ['ra', 2], ['dec', 3], ['flux_aper90_b', 4],
    ]);
    expect(layout.tables.observation_source?.map((t) => t.column.name)).toEqual([
      'obsid', 'region_id', 'obi', 'ra_pnt', 'flux_aper90_b', 'var_prob_b',
    ]);
    expect(layout.tables.stack_source).toBeUndefined();
  });

  it('drops a table whose key is incomplete and says why', () => {
    const { layout } = autoLayout(['name', 'obsid', 'ra', 'dec', 'var_prob_b']);
    expect(Object.keys(layout.tables)).toEqual(['master_source']);
    expect(layout.unusable).toEqual([
      { table: 'observation_source', columns: ['obsid', 'var_prob_b'], reason: 'key column(s) obi, region_id missing' },
    ]);
  });

  it('reports columns that belong to no csc2 table', () => {
    expect(autoLayout(['name', 'ra', 'dec', 'my_column']).unknown).toEqual(['my_column']);
  });

  it('loads stack and association tables when detect_stack_id is present', () => {
    const { layout } = autoLayout(['name', 'detect_stack_id', 'region_id', 'match_type']);
    expect(Object.keys(layout.tables).sort()).toEqual(['master_stack_assoc']);
    expect(layout.unusable.map((u) => [u.table, u.reason])).toEqual([
      ['master_source', 'required column(s) ra, dec missing'],
      ['stack_source', 'only key columns present (rows are expected to exist already)'],
      ['observation_source', 'key column(s) obsid, obi missing'],
      ['stack_observation_assoc', 'key column(s) obsid, obi missing'],
    ]);
  });
});

describe('explicitLayout', () => {
  it('maps every column to the named table and rejects foreign ones', () => {
    const ok = explicitLayout('master_source', ['NAME', 'ra', 'dec', 'separation']);
    expect(ok.unknown).toEqual([]);
    expect(ok.layout.tables.master_source?.map((t) => t.column.name)).toEqual(['name', 'ra', 'dec']);
    expect(explicitLayout('master_source', ['name', 'obi']).unknown).toEqual(['obi']);
  });
});
