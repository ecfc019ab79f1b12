// Tenant API keys and the admin key: stored as SHA-256 digests only.
import type { Kysely } from 'kysely';
import type { ApiKeyRow, Database } from './schema.js';

export async function insertApiKey(db: Kysely<Database>, row: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

export async function findActiveApiKeyByHash(db: Kysely<Database>, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function listApiKeys(db: Kysely<Database>, tenant?: string): Promise<ApiKeyRow[]> {
  let query = db.selectFrom('api_keys').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc');
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  return query.execute();
}

/** Returns whether a key that was active got revoked. */
export async function revokeApiKey(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function adminKeyHashes(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('admin_keys').select('key_hash').execute();
  return rows.map((r) => r.key_hash);
}

export async function insertAdminKey(db: Kysely<Database>, id: string, keyHash: string, now: number): Promise<void> {
  await db.insertInto('admin_keys').values({ id, key_hash: keyHash, created_at: now }).execute();
}

/** True when nothing was ever created: no admin key, no tenant key. */
export async function storeIsEmpty(db: Kysely<Database>): Promise<boolean> {
  const admin = await db.selectFrom('admin_keys').select('id').limit(1).executeTakeFirst();
  const tenant = await db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
  return !admin && !tenant;
}
