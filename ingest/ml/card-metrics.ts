/** The evaluation figures of a model card as ml.model_metric rows, and the card's training data as published
 *  (repository + commit, no local paths). Pure: card JSON in, rows out. Rule: every numeric leaf under
 *  `evaluation.metrics` (or `evaluation` when there is no `metrics` key) becomes a row; the first key below that is
 *  the data set, a key naming one of the card's classes is the class, the remaining keys joined by '.' the metric.
 *  Arrays (confusion matrices, calibration bins, per-bin tables) stay in the card. */

export interface MetricRow {
  dataSet: string;
  className: string | null;
  metric: string;
  value: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function cardMetrics(card: unknown, knownClasses: readonly string[] = []): MetricRow[] {
  if (!isObj(card) || !isObj(card.evaluation)) return [];
  const classes = new Set([...knownClasses, ...(Array.isArray(card.classes) ? card.classes.map(String) : [])]);
  const base = isObj(card.evaluation.metrics) ? card.evaluation.metrics : card.evaluation;
  const rows: MetricRow[] = [];
  const walk = (o: Obj, dataSet: string, path: string[]) => {
    for (const [k, v] of Object.entries(o)) {
      const p = [...path, k];
      if (typeof v === 'number' && Number.isFinite(v)) {
        const cls = p.find((s) => classes.has(s)) ?? null;
        const metric = p.filter((s) => !classes.has(s)).join('.');
        if (metric !== '') rows.push({ dataSet, className: cls, metric, value: v });
      } else if (isObj(v)) walk(v, dataSet, p);
    }
  };
  for (const [dataSet, v] of Object.entries(base)) if (isObj(v)) walk(v, dataSet, []);
  return rows;
}

const ORIGIN = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+):(.+)@([0-9a-f]{7,40})$/;

/** The training data as published in ml.model.training_data: local file paths (`file`) dropped, and an `origin`
 *  of the form owner/repo:path@commit spelt out as repository, path and commit. Other fields are kept. */
export function publishedTrainingData(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(publishedTrainingData);
  if (!isObj(data)) return data;
  const out: Obj = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === 'file' && typeof v === 'string' && !/^[a-z]+:\/\//.test(v)) continue; // a path on the training machine
    if (k === 'origin' && typeof v === 'string') {
      const m = ORIGIN.exec(v);
      if (m) {
        out.repository = `https://github.com/${m[1]}`;
        out.path = m[2];
        out.commit = m[3];
      }
      out.origin = v;
      continue;
    }
    out[k] = isObj(v) || Array.isArray(v) ? publishedTrainingData(v) : v;
  }
  return out;
}
