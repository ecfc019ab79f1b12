// Queries on the outbox and the deliveries made from it. A delivery is leased like a job: a claim
// takes one due delivery whose lease is free; a worker that dies lets the lease run out.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Dialect } from '../store/migrations.js';
import type { Database, WebhookDeliveryRow, WebhookEventRow } from '../store/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Events not yet fanned out, oldest first; on PostgreSQL rows another dispatcher holds are skipped. */
export async function lockUndispatchedEvents(trx: Transaction<Database>, dialect: Dialect, limit: number): Promise<WebhookEventRow[]> {
  let query = trx.selectFrom('webhook_events').selectAll().where('dispatched_at', 'is', null).orderBy('created_at', 'asc').limit(limit);
  if (dialect === 'postgres') query = query.forUpdate().skipLocked();
  return query.execute();
}

export async function markDispatched(trx: Transaction<Database>, ids: string[], now: number): Promise<void> {
  if (ids.length > 0) await trx.updateTable('webhook_events').set({ dispatched_at: now }).where('id', 'in', ids).execute();
}

export async function insertDeliveries(trx: Transaction<Database>, rows: WebhookDeliveryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('webhook_deliveries')
    .values(rows)
    .onConflict((oc) => oc.columns(['event_id', 'target']).doNothing())
    .execute();
}

export async function findEvent(db: Db, id: string): Promise<WebhookEventRow | undefined> {
  return db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findDelivery(db: Db, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function claimDelivery(
  db: Kysely<Database>,
  dialect: Dialect,
  claim: { worker: string; now: number; leaseMs: number; exclude: string[] },
): Promise<WebhookDeliveryRow | undefined> {
  let due = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', claim.now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', claim.now)]))
    .orderBy('next_attempt_at', 'asc')
    .limit(1);
  // A lease can run out while this worker still has the attempt in flight (a stalled clock, a slow
  // receiver): never claim it a second time here.
  if (claim.exclude.length > 0) due = due.where('id', 'not in', claim.exclude);
  // SQLite has one writer at a time, so the plain sub-select is already exclusive there.
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  return db
    .updateTable('webhook_deliveries')
    .set({
      locked_until: claim.now + claim.leaseMs,
      locked_by: claim.worker,
      attempts: sql<number>`attempts + 1`,
      last_attempt_at: claim.now,
    })
    .where('id', '=', (eb) => eb.selectFrom(due.as('due')).select('due.id'))
    .returningAll()
    .executeTakeFirst();
}

export type AttemptResult =
  | { status: 'delivered'; statusCode: number; at: number }
  | { status: 'pending'; statusCode: number | null; error: string; nextAttemptAt: number }
  | { status: 'failed' | 'cancelled'; statusCode: number | null; error: string };

/**
 * Records the outcome of an attempt, unless the delivery changed hands meanwhile (a redelivery or a
 * cancellation cleared the lease): then the newer state wins. Returns whether it was recorded.
 */
export async function recordAttempt(db: Db, id: string, worker: string, result: AttemptResult): Promise<boolean> {
  const update = await db
    .updateTable('webhook_deliveries')
    .set({
      status: result.status,
      locked_until: null,
      locked_by: null,
      last_status_code: result.statusCode,
      last_error: result.status === 'delivered' ? null : result.error.slice(0, 500),
      next_attempt_at: result.status === 'pending' ? result.nextAttemptAt : null,
      ...(result.status === 'delivered' ? { delivered_at: result.at } : {}),
    })
    .where('id', '=', id)
    .where('locked_by', '=', worker)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(update.numUpdatedRows) > 0;
}

/** Puts a delivery back in the queue, due now, with a fresh retry schedule; returns it as queued. */
export async function requeueDelivery(db: Db, id: string, now: number): Promise<WebhookDeliveryRow | undefined> {
  return db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, locked_by: null, delivered_at: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function cancelPendingDeliveries(db: Db, endpointId: string, reason: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled', next_attempt_at: null, locked_until: null, locked_by: null, last_error: reason })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .execute();
}

export interface DeliveryLogRow extends WebhookDeliveryRow {
  event_type: string;
  check_id: string;
}

export async function listDeliveries(
  db: Db,
  filter: { endpointId?: string; tenant?: string; checkId?: string; limit: number },
): Promise<DeliveryLogRow[]> {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select(['e.type as event_type', 'e.check_id as check_id'])
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(filter.limit);
  if (filter.endpointId !== undefined) query = query.where('d.endpoint_id', '=', filter.endpointId);
  if (filter.tenant !== undefined) query = query.where('d.tenant', '=', filter.tenant);
  if (filter.checkId !== undefined) query = query.where('e.check_id', '=', filter.checkId);
  return query.execute();
}
