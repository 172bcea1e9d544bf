/** One figure of a benchmark, printed next to its reference (another method measured in the same run, or the
 *  target the issue sets). */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  reference?: string;
}
