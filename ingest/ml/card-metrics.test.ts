import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cardMetrics, publishedTrainingData } from './card-metrics.js';

const card = (dir: string) => JSON.parse(readFileSync(`models/${dir}/card.json`, 'utf8')) as Record<string, unknown>;

describe('model card metrics', () => {
  it('source classifier: per-class recall and overall figures per evaluated method', () => {
    const rows = cardMetrics(card('source-classifier'));
    const ns = rows.find((r) => r.dataSet === 'ours_xray+mw' && r.metric === 'recall' && r.className === 'NS');
    const c = card('source-classifier') as { evaluation: { metrics: Record<string, { recall: Record<string, number>; balanced_accuracy: number }> } };
    expect(ns?.value).toBe(c.evaluation.metrics['ours_xray+mw'].recall.NS);
    expect(rows.find((r) => r.dataSet === 'ours_xray+mw' && r.metric === 'balanced_accuracy' && r.className === null)?.value).toBe(c.evaluation.metrics['ours_xray+mw'].balanced_accuracy);
    expect(rows.filter((r) => r.dataSet === 'ours_xray+mw' && r.metric === 'recall')).toHaveLength(8);
    expect(rows.every((r) => Number.isFinite(r.value) && r.metric.length > 0)).toBe(true);
  });

  it('event encoder: test-set AUCs without a class', () => {
    const rows = cardMetrics(card('event-encoder'));
    const auc = rows.find((r) => r.dataSet === 'test' && r.metric === 'auc_flare_vs_steady');
    expect(auc?.className).toBeNull();
    expect(auc?.value).toBeGreaterThan(0.5);
  });

  it('a card without evaluation gives no rows', () => {
    expect(cardMetrics({ name: 'x' })).toEqual([]);
    expect(cardMetrics(null)).toEqual([]);
  });

  it('training data: the local path is dropped, the origin spelt out as repository + path + commit', () => {
    const t = publishedTrainingData({ file: '../shared/data/training/TD.csv', origin: 'huiyang-astro/MUWCLASS_CSCv2:files/TD.csv@fc0bcabef92a112b1b0f32fb71709cc87e03afa0', rows: 2941 }) as Record<string, unknown>;
    expect(t).toEqual({
      repository: 'https://github.com/huiyang-astro/MUWCLASS_CSCv2', path: 'files/TD.csv', commit: 'fc0bcabef92a112b1b0f32fb71709cc87e03afa0',
      origin: 'huiyang-astro/MUWCLASS_CSCv2:files/TD.csv@fc0bcabef92a112b1b0f32fb71709cc87e03afa0', rows: 2941,
    });
    const sc = JSON.stringify(publishedTrainingData((card('source-classifier') as { training: { data: unknown } }).training.data));
    expect(sc).not.toContain('../shared');
    expect(sc).toContain('"commit":"fc0bcabef92a112b1b0f32fb71709cc87e03afa0"');
  });
});
