// The outbox: an event row written in the same transaction as the check's status change, so that a
// crash between the change and the delivery loses nothing. Delivery reads it later.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { CheckMode, CheckStatus, Database } from '../store/schema.js';

export type CheckEventType = 'liveness_check.completed' | 'liveness_check.failed' | 'liveness_check.expired';

const EVENT_FOR: Partial<Record<CheckStatus, CheckEventType>> = {
  complete: 'liveness_check.completed',
  failed: 'liveness_check.failed',
  expired: 'liveness_check.expired',
};

export interface CheckEvent {
  id: string;
  type: CheckEventType;
  timestamp: string;
  /** `mode` tells a receiver a sandbox event (test) from a real one (live) before it fetches anything. */
  data: { id: string; status: CheckStatus; reference: string | null; mode: CheckMode };
}

/** Records the event of a check reaching a terminal status. Call inside the transaction that moved it. */
export async function recordCheckEvent(
  db: Kysely<Database> | Transaction<Database>,
  check: { id: string; tenant: string; reference: string | null; mode: CheckMode },
  status: CheckStatus,
  now: number,
): Promise<void> {
  const type = EVENT_FOR[status];
  if (!type) return;
  const event: CheckEvent = {
    id: `msg_${randomUUID().replaceAll('-', '')}`,
    type,
    timestamp: new Date(now).toISOString(),
    data: { id: check.id, status, reference: check.reference, mode: check.mode },
  };
  await db
    .insertInto('webhook_events')
    .values({ id: event.id, tenant: check.tenant, check_id: check.id, type, payload: JSON.stringify(event), created_at: now, dispatched_at: null })
    .execute();
  signalWebhookWork();
}

const listeners = new Set<() => void>();

/**
 * In-process hint that webhook work is due (an event recorded, a redelivery asked), so that the
 * delivery worker looks now instead of at its next poll. Only a hint: the worker polls anyway, and
 * it may arrive before the recording transaction commits.
 */
export function onWebhookWork(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signalWebhookWork(): void {
  if (listeners.size === 0) return;
  setImmediate(() => {
    for (const listener of listeners) listener();
  });
}
