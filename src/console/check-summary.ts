// One line of the checks list: what a reviewer scans for, read from the stored row without images.
import type { StoredResult } from '../checks/model.js';
import type { CheckMode, CheckRow, CheckStatus } from '../store/schema.js';
import { BELOW_THRESHOLD, explainFailure } from './failure-reasons.js';

export interface CheckSummary {
  id: string;
  tenant: string;
  mode: CheckMode;
  status: CheckStatus;
  /** Null until decided. */
  passed: boolean | null;
  confidence: number | null;
  threshold: number;
  reference: string | null;
  created_at: string;
  started_at: string | null;
  /** When the person finished capturing. */
  finished_at: string | null;
  /** When the decision was made (or the check expired). */
  completed_at: string | null;
  expires_at: string;
  failure_reason: string | null;
  failure_explanation: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function parseResult(row: Pick<CheckRow, 'result'>): StoredResult | undefined {
  return row.result === null ? undefined : (JSON.parse(row.result) as StoredResult);
}

/** Open links past their expiry are shown as the read API would answer, before the sweeper gets to them. */
export function displayedStatus(row: Pick<CheckRow, 'status' | 'expires_at' | 'finished_at'>, now: number): CheckStatus {
  if (row.finished_at === null && row.expires_at <= now) {
    if (row.status === 'pending') return 'expired';
    if (row.status === 'in_progress') return 'failed';
  }
  return row.status;
}

export function summarizeCheck(row: CheckRow, now: number): CheckSummary {
  const result = parseResult(row);
  const status = displayedStatus(row, now);
  const abandoned = status === 'failed' && row.status === 'in_progress';
  const reason = result?.failure_reason ?? (abandoned ? 'capture_abandoned' : undefined);
  const decided = result !== undefined || abandoned;
  const options = JSON.parse(row.options) as { threshold: number };
  let explanation = explainFailure(reason);
  if (!explanation && result && !result.passed) explanation = BELOW_THRESHOLD;
  return {
    id: row.id,
    tenant: row.tenant,
    mode: row.mode,
    status,
    passed: decided ? (result?.passed ?? false) : null,
    confidence: result ? result.confidence : null,
    threshold: result?.threshold ?? options.threshold,
    reference: row.reference,
    created_at: new Date(row.created_at).toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    completed_at: iso(row.completed_at),
    expires_at: new Date(row.expires_at).toISOString(),
    failure_reason: reason ?? null,
    failure_explanation: explanation ?? null,
  };
}
