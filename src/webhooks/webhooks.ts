// Managing webhooks: tenant endpoints and their secrets, the per-tenant secret for checks' own
// webhook_url, the delivery log and redelivery. Knows nothing of HTTP; the admin routes translate.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { LivecheckError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import { type AuditActor, recordAudit } from '../store/audit-log.js';
import type { Dialect } from '../store/migrations.js';
import type { Database, WebhookDeliveryRow, WebhookDeliveryStatus, WebhookEndpointRow } from '../store/schema.js';
import { forbiddenHostReason } from './address-policy.js';
import { type DeliveryLogRow, cancelPendingDeliveries, findDelivery, findEvent, listDeliveries, requeueDelivery } from './delivery-store.js';
import {
  disableEndpoint,
  findEndpoint,
  findEndpointForUpdate,
  findTenantSecrets,
  findTenantSecretsForUpdate,
  insertEndpoint,
  insertTenantSecretsIfMissing,
  listActiveEndpoints,
  setEndpointSecrets,
  setTenantSecrets,
} from './endpoint-store.js';
import { assertTenantName } from '../tenancy/tenant-name.js';
import { signalWebhookWork } from './outbox.js';
import { newWebhookSecret, openSecrets, rotateSecrets, sealSecrets, signingSecrets } from './signing-secrets.js';

export interface WebhooksDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  box: SecretBox;
  clock: Clock;
  /** LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: allow loopback, private and link-local targets. */
  allowPrivate: boolean;
}

export interface EndpointView {
  id: string;
  tenant: string;
  url: string;
  created_at: string;
}

export interface RotatedSecret {
  secret: string;
  /** Until then the replaced secret signs too. */
  previous_secret_expires_at: string;
}

export interface DeliveryView {
  id: string;
  event_id: string;
  event_type: string;
  check_id: string;
  /** Null for a delivery to the check's own webhook_url. */
  endpoint_id: string | null;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function endpointView(row: WebhookEndpointRow): EndpointView {
  return { id: row.id, tenant: row.tenant, url: row.url, created_at: new Date(row.created_at).toISOString() };
}

function deliveryView(row: DeliveryLogRow): DeliveryView {
  return {
    id: row.id,
    event_id: row.event_id,
    event_type: row.event_type,
    check_id: row.check_id,
    endpoint_id: row.endpoint_id,
    url: row.url,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    last_attempt_at: iso(row.last_attempt_at),
    next_attempt_at: iso(row.next_attempt_at),
    delivered_at: iso(row.delivered_at),
    created_at: new Date(row.created_at).toISOString(),
  };
}

/**
 * Refuses URLs that can never be delivered to, naming the field (`url`, `webhook_url`). Host names
 * are checked again after DNS resolution on every attempt; this only turns the obvious cases (a
 * forbidden literal IP, localhost) into an immediate 400.
 */
export function assertWebhookUrl(text: string, allowPrivate: boolean, field = 'url'): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LivecheckError('invalid_request', `${field} is not a valid absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LivecheckError('invalid_request', `${field} must use http or https`);
  if (url.username || url.password) throw new LivecheckError('invalid_request', `${field} must not contain credentials; authenticate receivers by the signature`);
  const reason = allowPrivate ? undefined : forbiddenHostReason(url.hostname);
  if (reason) {
    throw new LivecheckError(
      'invalid_request',
      `${field} points to a ${reason} address; webhooks go to public addresses unless LIVECHECK_ALLOW_PRIVATE_WEBHOOKS=true`,
    );
  }
}

export class Webhooks {
  constructor(private readonly deps: WebhooksDeps) {}

  private get db() {
    return this.deps.db;
  }

  private now() {
    return this.deps.clock.now();
  }

  /** Creates an endpoint; its secret is returned this once. `actor` is who asked, for the audit log. */
  async createEndpoint(tenant: string, url: string, actor: AuditActor = 'admin'): Promise<EndpointView & { secret: string }> {
    assertTenantName(tenant);
    assertWebhookUrl(url, this.deps.allowPrivate);
    const secret = newWebhookSecret();
    const row: WebhookEndpointRow = {
      id: `we_${randomUUID().replaceAll('-', '')}`,
      tenant,
      url,
      secrets_sealed: sealSecrets(this.deps.box, [{ secret, expires_at: null }]),
      created_at: this.now(),
      disabled_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await insertEndpoint(trx, row);
      await recordAudit(trx, { actor, action: 'webhook_endpoint.create', subject: row.id, details: { tenant } }, row.created_at);
    });
    return { ...endpointView(row), secret };
  }

  async listEndpoints(tenant?: string): Promise<EndpointView[]> {
    return (await listActiveEndpoints(this.db, tenant)).map(endpointView);
  }

  /** Stops deliveries to the endpoint, pending retries included; its delivery log stays readable. */
  async deleteEndpoint(id: string, actor: AuditActor = 'admin'): Promise<void> {
    const deleted = await this.db.transaction().execute(async (trx) => {
      const now = this.now();
      if (!(await disableEndpoint(trx, id, now))) return false;
      await cancelPendingDeliveries(trx, id, 'endpoint deleted');
      await recordAudit(trx, { actor, action: 'webhook_endpoint.delete', subject: id }, now);
      return true;
    });
    if (!deleted) throw new LivecheckError('not_found', 'no webhook endpoint with that id');
  }

  async rotateEndpointSecret(id: string, actor: AuditActor = 'admin'): Promise<RotatedSecret & { id: string }> {
    const now = this.now();
    const rotated = await this.db.transaction().execute(async (trx) => {
      const row = await findEndpointForUpdate(trx, this.deps.dialect, id);
      if (!row) return undefined;
      const next = rotateSecrets(openSecrets(this.deps.box, row.secrets_sealed), now);
      await setEndpointSecrets(trx, id, sealSecrets(this.deps.box, next.secrets));
      await recordAudit(trx, { actor, action: 'webhook_endpoint.rotate_secret', subject: id }, now);
      return next;
    });
    if (!rotated) throw new LivecheckError('not_found', 'no webhook endpoint with that id');
    return { id, secret: rotated.secret, previous_secret_expires_at: new Date(rotated.previousExpiresAt).toISOString() };
  }

  /** The current secret signing this tenant's checks' own webhook_url, created on first use. */
  async tenantSecret(tenant: string, actor: AuditActor = 'admin'): Promise<{ tenant: string; secret: string }> {
    assertTenantName(tenant);
    const secrets = await this.tenantSecrets(tenant);
    // Whoever reads the secret can sign events as livecheck: worth a line in the audit log.
    await recordAudit(this.db, { actor, action: 'tenant_webhook_secret.read', subject: tenant }, this.now());
    // Created with one entry and rotated by prepending: the first entry is always the current one.
    const current = secrets[0];
    if (!current) throw new Error(`tenant ${tenant} has an empty webhook secret list`);
    return { tenant, secret: current.secret };
  }

  async rotateTenantSecret(tenant: string, actor: AuditActor = 'admin'): Promise<RotatedSecret & { tenant: string }> {
    assertTenantName(tenant);
    await this.tenantSecrets(tenant);
    const now = this.now();
    const rotated = await this.db.transaction().execute(async (trx) => {
      const sealed = await findTenantSecretsForUpdate(trx, this.deps.dialect, tenant);
      if (!sealed) throw new Error(`tenant ${tenant} lost its webhook secret during rotation`);
      const next = rotateSecrets(openSecrets(this.deps.box, sealed), now);
      await setTenantSecrets(trx, tenant, sealSecrets(this.deps.box, next.secrets), now);
      await recordAudit(trx, { actor, action: 'tenant_webhook_secret.rotate', subject: tenant }, now);
      return next;
    });
    return { tenant, secret: rotated.secret, previous_secret_expires_at: new Date(rotated.previousExpiresAt).toISOString() };
  }

  private async tenantSecrets(tenant: string) {
    let sealed = await findTenantSecrets(this.db, tenant);
    if (!sealed) {
      const first = sealSecrets(this.deps.box, [{ secret: newWebhookSecret(), expires_at: null }]);
      await insertTenantSecretsIfMissing(this.db, tenant, first, this.now());
      sealed = await findTenantSecrets(this.db, tenant);
      if (!sealed) throw new Error(`could not create the webhook secret of tenant ${tenant}`);
    }
    return openSecrets(this.deps.box, sealed);
  }

  /** The secrets that sign an attempt of this delivery now, or undefined when its endpoint was deleted. */
  async signingSecretsFor(delivery: Pick<WebhookDeliveryRow, 'endpoint_id' | 'tenant'>): Promise<string[] | undefined> {
    const now = this.now();
    if (delivery.endpoint_id === null) return signingSecrets(await this.tenantSecrets(delivery.tenant), now);
    const endpoint = await findEndpoint(this.db, delivery.endpoint_id);
    if (!endpoint || endpoint.disabled_at !== null) return undefined;
    return signingSecrets(openSecrets(this.deps.box, endpoint.secrets_sealed), now);
  }

  async endpointDeliveries(id: string, limit: number): Promise<DeliveryView[]> {
    if (!(await findEndpoint(this.db, id))) throw new LivecheckError('not_found', 'no webhook endpoint with that id');
    return (await listDeliveries(this.db, { endpointId: id, limit })).map(deliveryView);
  }

  async deliveries(filter: { tenant: string; checkId?: string; limit: number }): Promise<DeliveryView[]> {
    return (await listDeliveries(this.db, filter)).map(deliveryView);
  }

  /** Queues the delivery again, due now, with a fresh retry schedule and the same webhook-id. */
  async redeliver(id: string, actor: AuditActor = 'admin'): Promise<DeliveryView> {
    const delivery = await findDelivery(this.db, id);
    if (!delivery) throw new LivecheckError('not_found', 'no webhook delivery with that id');
    if (delivery.endpoint_id !== null) {
      const endpoint = await findEndpoint(this.db, delivery.endpoint_id);
      if (!endpoint || endpoint.disabled_at !== null) throw new LivecheckError('not_found', 'the endpoint of this delivery was deleted');
    }
    const now = this.now();
    const queued = await this.db.transaction().execute(async (trx) => {
      const row = await requeueDelivery(trx, id, now);
      if (row) await recordAudit(trx, { actor, action: 'webhook_delivery.redeliver', subject: id, details: { tenant: row.tenant } }, now);
      return row;
    });
    const event = await findEvent(this.db, delivery.event_id);
    if (!queued || !event) throw new LivecheckError('not_found', 'no webhook delivery with that id');
    signalWebhookWork();
    return deliveryView({ ...queued, event_type: event.type, check_id: event.check_id });
  }
}
