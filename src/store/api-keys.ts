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

/**
 * The id of the admin key generated at start-up. Being fixed, it lets only one of several processes
 * starting together on a new store insert it: on either store the losers' inserts conflict and do
 * nothing, where a check for emptiness alone would let each of them see an empty store.
 */
const GENERATED_ADMIN_KEY_ID = 'adm_generated';

/** Stores the generated admin key unless another process stored one first; returns whether it did. */
export async function insertGeneratedAdminKey(db: Kysely<Database>, keyHash: string, now: number): Promise<boolean> {
  const result = await db
    .insertInto('admin_keys')
    .values({ id: GENERATED_ADMIN_KEY_ID, key_hash: keyHash, created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** True when nothing was ever created: no admin key, no tenant key. */
export async function storeIsEmpty(db: Kysely<Database>): Promise<boolean> {
  const admin = await db.selectFrom('admin_keys').select('id').limit(1).executeTakeFirst();
  const tenant = await db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
  return !admin && !tenant;
}
