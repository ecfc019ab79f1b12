// Fans each new outbox event out into one delivery per target: the tenant's active endpoints and
// the check's own webhook_url. Inserting the deliveries and marking the event dispatched happen in
// one transaction, so an event is fanned out exactly once even across crashes and processes.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CheckOptions } from '../checks/model.js';
import type { Dialect } from '../store/migrations.js';
import type { Database, WebhookDeliveryRow, WebhookEndpointRow } from '../store/schema.js';
import { insertDeliveries, lockUndispatchedEvents, markDispatched } from './delivery-store.js';
import { listActiveEndpoints } from './endpoint-store.js';

/** The `target` of a delivery to a check's own webhook_url (other targets are endpoint ids). */
export const CHECK_URL_TARGET = 'check_url';

export function newDeliveryId(): string {
  return `whd_${randomUUID().replaceAll('-', '')}`;
}

/** The check's own webhook_url. Unreadable options must not hold up every other event behind it. */
function webhookUrlOf(options: string): string | undefined {
  try {
    return (JSON.parse(options) as CheckOptions).webhook_url;
  } catch {
    return undefined;
  }
}

/** Dispatches up to `limit` events; returns how many. */
export async function dispatchEvents(db: Kysely<Database>, dialect: Dialect, now: number, limit = 50): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const events = await lockUndispatchedEvents(trx, dialect, limit);
    const rows: WebhookDeliveryRow[] = [];
    const endpointsOf = new Map<string, WebhookEndpointRow[]>();
    for (const event of events) {
      let endpoints = endpointsOf.get(event.tenant);
      if (!endpoints) {
        endpoints = await listActiveEndpoints(trx, event.tenant);
        endpointsOf.set(event.tenant, endpoints);
      }
      const targets: Array<Pick<WebhookDeliveryRow, 'target' | 'endpoint_id' | 'url'>> = endpoints.map((e) => ({ target: e.id, endpoint_id: e.id, url: e.url }));
      const check = await trx.selectFrom('liveness_checks').select('options').where('id', '=', event.check_id).executeTakeFirst();
      const checkUrl = check ? webhookUrlOf(check.options) : undefined;
      if (checkUrl) targets.push({ target: CHECK_URL_TARGET, endpoint_id: null, url: checkUrl });
      for (const t of targets) {
        rows.push({
          id: newDeliveryId(),
          event_id: event.id,
          tenant: event.tenant,
          ...t,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          locked_until: null,
          locked_by: null,
          last_attempt_at: null,
          last_status_code: null,
          last_error: null,
          delivered_at: null,
          created_at: now,
        });
      }
    }
    await insertDeliveries(trx, rows);
    await markDispatched(
      trx,
      events.map((e) => e.id),
      now,
    );
    return events.length;
  });
}
