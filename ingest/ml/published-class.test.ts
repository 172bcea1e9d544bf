import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.js';
import { checkReference, mapPublishedClassColumns } from './published-class.js';

describe('published classification columns', () => {
  it('maps every column of the MUWCLASS output (NGC 3532 sample file)', () => {
    const header = readFileSync(join(process.cwd(), 'data', 'sample', 'muwclass_ngc3532_class.csv'), 'utf8').split('\n')[0]?.split(',') ?? [];
    const index = mapPublishedClassColumns(header);
    const named = Object.fromEntries([...index].map(([column, i]) => [column, header[i]]));
    expect(named).toMatchObject({
      name: 'name', published_class: 'Class', class_prob: 'Class_prob', e_class_prob: 'Class_prob_e', ct: 'CT', true_class: 'true_Class',
      p_agn: 'P_AGN', e_p_agn: 'e_P_AGN', p_hm_star: 'P_HM-STAR', e_p_hm_star: 'e_P_HM-STAR', p_yso: 'P_YSO', e_p_yso: 'e_P_YSO',
    });
    expect(index.size).toBe(6 + 16);
  });

  it('accepts the other usual spellings and ignores unknown columns', () => {
    const index = mapPublishedClassColumns(['CSCv2_name', ' predicted_class ', 'P_LM_STAR', 'p_lmxb_e', 'ra', 'dec']);
    expect([...index]).toEqual([['name', 0], ['published_class', 1], ['p_lm_star', 2], ['e_p_lmxb', 3]]);
  });

  it('takes ADS bibcodes only', () => {
    expect(checkReference(' 2022ApJ...941..104Y ')).toBe('2022ApJ...941..104Y');
    expect(checkReference('2024MNRAS.528.4852P')).toBe('2024MNRAS.528.4852P');
    for (const bad of ['', 'Yang et al. 2022', '2022ApJ...941..104', 'doi:10.3847/1538-4357/ac952b']) {
      expect(() => checkReference(bad)).toThrow(IngestError);
    }
  });
});
