// The overview's figures: checks per day, pass rate, failure reasons and decision latency
// percentiles over a window of days, computed from the checks created in it.
import type { OverviewRow } from '../store/console-checks.js';
import { displayedStatus, parseResult } from './check-summary.js';
import { explainFailure } from './failure-reasons.js';

export interface DayCount {
  /** UTC date, YYYY-MM-DD. */
  date: string;
  passed: number;
  not_passed: number;
  expired: number;
  open: number;
}

export interface Overview {
  from: string;
  to: string;
  total: number;
  decided: number;
  passed: number;
  /** passed / decided, null when nothing was decided. */
  pass_rate: number | null;
  days: DayCount[];
  failure_reasons: Array<{ reason: string; count: number; explanation: string }>;
  /** Capture finished → decision made, in milliseconds, over analysed checks. */
  latency_ms: { count: number; p50: number | null; p90: number | null; p99: number | null };
  /** True when the window held more checks than were counted. */
  truncated: boolean;
}

const DAY_MS = 86_400_000;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

export function computeOverview(rows: readonly OverviewRow[], now: number, days: number, truncated: boolean): Overview {
  const firstDay = Math.floor(now / DAY_MS) - (days - 1);
  const counts: DayCount[] = Array.from({ length: days }, (_, i) => ({
    date: new Date((firstDay + i) * DAY_MS).toISOString().slice(0, 10),
    passed: 0,
    not_passed: 0,
    expired: 0,
    open: 0,
  }));
  const reasons = new Map<string, number>();
  const latencies: number[] = [];
  let passed = 0;
  let decided = 0;
  for (const row of rows) {
    const day = counts[Math.floor(row.created_at / DAY_MS) - firstDay];
    const result = parseResult(row);
    // Links past their expiry count as the read API answers them, before the sweeper gets to them.
    const status = displayedStatus(row, now);
    if (status === 'complete' || status === 'failed') {
      decided++;
      const ok = result?.passed === true;
      if (ok) passed++;
      if (day) day[ok ? 'passed' : 'not_passed']++;
      if (!ok) {
        const reason = result?.failure_reason ?? (row.status === 'in_progress' ? 'capture_abandoned' : 'below_threshold');
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      if (row.finished_at !== null && row.completed_at !== null) latencies.push(row.completed_at - row.finished_at);
    } else if (status === 'expired') {
      if (day) day.expired++;
    } else if (day) {
      day.open++;
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    from: new Date(firstDay * DAY_MS).toISOString(),
    to: new Date(now).toISOString(),
    total: rows.length,
    decided,
    passed,
    pass_rate: decided === 0 ? null : Math.round((passed / decided) * 10_000) / 10_000,
    days: counts,
    failure_reasons: [...reasons.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([reason, count]) => ({
        reason,
        count,
        explanation: explainFailure(reason === 'below_threshold' ? undefined : reason) ?? 'The confidence was below the threshold.',
      })),
    latency_ms: { count: latencies.length, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99) },
    truncated,
  };
}
