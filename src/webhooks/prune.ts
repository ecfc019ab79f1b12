// Retention of the webhook tables (LIVECHECK_WEBHOOK_LOG_TTL): the delivery log and the outbox would
// otherwise grow by a row per event and target forever. Only finished rows go; anything still pending
// (an undispatched event, a delivery awaiting a retry or a redelivery) is kept whatever its age.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** Rows deleted per statement, so that a backlog never holds a long lock on the tables. */
const BATCH = 500;

export interface WebhookPruneCounts {
  deliveries: number;
  events: number;
  endpoints: number;
}

/** Deletes in batches until a batch comes back short; returns how many rows went. */
async function inBatches(deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < BATCH) return total;
  }
}

/**
 * Deletes deliveries that finished (delivered, failed after the last retry, cancelled) with no
 * activity since `cutoff`, then dispatched events older than it with no delivery left, then deleted
 * endpoints with no delivery left (their sealed secrets are no longer needed).
 */
export async function pruneWebhookLog(db: Kysely<Database>, cutoff: number): Promise<WebhookPruneCounts> {
  const deliveries = await inBatches(async () => {
    const result = await db
      .deleteFrom('webhook_deliveries')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', 'in', ['delivered', 'failed', 'cancelled'])
          .where('created_at', '<', cutoff)
          // A redelivery of an old event counts from when it was last tried, not from its creation.
          .where((w) => w.or([w('last_attempt_at', 'is', null), w('last_attempt_at', '<', cutoff)]))
          .where((w) => w.or([w('delivered_at', 'is', null), w('delivered_at', '<', cutoff)]))
          .limit(BATCH),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
  const events = await inBatches(async () => {
    const result = await db
      .deleteFrom('webhook_events')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_events as e')
          .select('e.id')
          .where('e.dispatched_at', 'is not', null)
          .where('e.created_at', '<', cutoff)
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id'))))
          .limit(BATCH),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
  const endpoints = await inBatches(async () => {
    const result = await db
      .deleteFrom('webhook_endpoints')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_endpoints as w')
          .select('w.id')
          .where('w.disabled_at', '<', cutoff)
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.endpoint_id', '=', 'w.id'))))
          .limit(BATCH),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
  return { deliveries, events, endpoints };
}
