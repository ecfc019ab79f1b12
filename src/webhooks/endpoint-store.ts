// Queries on webhook endpoints and on the per-tenant secrets that sign checks' own webhook_url.
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '../store/migrations.js';
import type { Database, WebhookEndpointRow } from '../store/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertEndpoint(db: Db, row: WebhookEndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

/** The endpoint, deleted or not (its delivery log outlives it). */
export async function findEndpoint(db: Db, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The same, locked for a read-modify-write of its secrets on PostgreSQL. */
export async function findEndpointForUpdate(trx: Transaction<Database>, dialect: Dialect, id: string): Promise<WebhookEndpointRow | undefined> {
  let query = trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('disabled_at', 'is', null);
  if (dialect === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listActiveEndpoints(db: Db, tenant?: string): Promise<WebhookEndpointRow[]> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('disabled_at', 'is', null).orderBy('created_at', 'asc').orderBy('id', 'asc');
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  return query.execute();
}

/** Returns whether an active endpoint got disabled. */
export async function disableEndpoint(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('webhook_endpoints').set({ disabled_at: now }).where('id', '=', id).where('disabled_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setEndpointSecrets(db: Db, id: string, sealed: Buffer): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ secrets_sealed: sealed }).where('id', '=', id).execute();
}

export async function findTenantSecrets(db: Db, tenant: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('tenant_webhook_secrets').select('secrets_sealed').where('tenant', '=', tenant).executeTakeFirst();
  return row?.secrets_sealed;
}

export async function findTenantSecretsForUpdate(trx: Transaction<Database>, dialect: Dialect, tenant: string): Promise<Buffer | undefined> {
  let query = trx.selectFrom('tenant_webhook_secrets').select('secrets_sealed').where('tenant', '=', tenant);
  if (dialect === 'postgres') query = query.forUpdate();
  return (await query.executeTakeFirst())?.secrets_sealed;
}

/** Inserts the tenant's first secret unless another process just did; the caller reads back the winner. */
export async function insertTenantSecretsIfMissing(db: Db, tenant: string, sealed: Buffer, now: number): Promise<void> {
  await db
    .insertInto('tenant_webhook_secrets')
    .values({ tenant, secrets_sealed: sealed, created_at: now, rotated_at: null })
    .onConflict((oc) => oc.column('tenant').doNothing())
    .execute();
}

export async function setTenantSecrets(db: Db, tenant: string, sealed: Buffer, now: number): Promise<void> {
  await db.updateTable('tenant_webhook_secrets').set({ secrets_sealed: sealed, rotated_at: now }).where('tenant', '=', tenant).execute();
}
