// ISO/IEC 30107-3 figures from evaluation attempts: BPCER over bona fide presentations, APCER per
// attack species (presentation attack instrument species), and decision latency percentiles.

export interface AttemptRow {
  species: string;
  face: string;
  seed: number;
  challenge: string[];
  /** HTTP status of the final read: 200 (complete/failed) or 410 (expired). */
  httpStatus: number;
  status: string;
  passed: boolean;
  confidence: number | null;
  failureReason: string | null;
  frames: number;
  /** Milliseconds from the finish call to the first terminal read. */
  decisionLatencyMs: number;
}

export interface SpeciesFigure {
  species: string;
  attempts: number;
  /** Attacks accepted (APCER numerator) or bona fide rejected (BPCER numerator). */
  errors: number;
  rate: number;
}

export interface EvaluationReport {
  bpcer: SpeciesFigure | undefined;
  apcer: SpeciesFigure[];
  worstApcer: SpeciesFigure | undefined;
  latency: { p50: number; p95: number; max: number; count: number };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

export function summarise(rows: AttemptRow[]): EvaluationReport {
  const bySpecies = new Map<string, AttemptRow[]>();
  for (const row of rows) bySpecies.set(row.species, [...(bySpecies.get(row.species) ?? []), row]);
  const figure = (species: string, list: AttemptRow[], isError: (r: AttemptRow) => boolean): SpeciesFigure => {
    const errors = list.filter(isError).length;
    return { species, attempts: list.length, errors, rate: list.length ? errors / list.length : 0 };
  };
  const bona = bySpecies.get('bona_fide');
  const bpcer = bona ? figure('bona_fide', bona, (r) => !r.passed) : undefined;
  const apcer = [...bySpecies]
    .filter(([species]) => species !== 'bona_fide')
    .map(([species, list]) => figure(species, list, (r) => r.passed))
    .sort((a, b) => a.species.localeCompare(b.species));
  const worstApcer = apcer.reduce<SpeciesFigure | undefined>((worst, f) => (!worst || f.rate > worst.rate ? f : worst), undefined);
  const latencies = rows.map((r) => r.decisionLatencyMs).sort((a, b) => a - b);
  return {
    bpcer,
    apcer,
    worstApcer,
    latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? Number.NaN, count: latencies.length },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatReport(report: EvaluationReport): string {
  const lines = ['metric            species              attempts  errors  rate', '----------------  -------------------  --------  ------  ------'];
  const row = (metric: string, f: SpeciesFigure) =>
    `${metric.padEnd(16)}  ${f.species.padEnd(19)}  ${String(f.attempts).padStart(8)}  ${String(f.errors).padStart(6)}  ${pct(f.rate).padStart(6)}`;
  if (report.bpcer) lines.push(row('BPCER', report.bpcer));
  for (const f of report.apcer) lines.push(row('APCER', f));
  if (report.worstApcer) lines.push(row('worst APCER', report.worstApcer));
  const { p50, p95, max, count } = report.latency;
  lines.push('', `decision latency (finish → result) over ${count} attempts: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${max.toFixed(0)} ms`);
  return lines.join('\n');
}
