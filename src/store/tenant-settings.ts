// Queries on tenant settings and the logos they hold.
import type { Kysely, Transaction } from 'kysely';
import type { Database, TenantSettingsTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export type TenantSettingsRow = TenantSettingsTable;

export async function findTenantSettings(db: Db, tenant: string): Promise<TenantSettingsRow | undefined> {
  return db.selectFrom('tenant_settings').selectAll().where('tenant', '=', tenant).executeTakeFirst();
}

/** The settings without the logo bytes, for the page and check creation. */
export async function findTenantSettingsLite(db: Db, tenant: string): Promise<Omit<TenantSettingsRow, 'logo_png'> | undefined> {
  return db
    .selectFrom('tenant_settings')
    .select(['tenant', 'display_name', 'accent_color', 'logo_hash', 'frame_ancestors', 'default_threshold', 'updated_at'])
    .where('tenant', '=', tenant)
    .executeTakeFirst();
}

export async function upsertTenantSettings(db: Db, row: TenantSettingsRow): Promise<void> {
  const { tenant: _tenant, ...update } = row;
  await db
    .insertInto('tenant_settings')
    .values(row)
    .onConflict((oc) => oc.column('tenant').doUpdateSet(update))
    .execute();
}

export async function findLogo(db: Db, hash: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('tenant_settings').select('logo_png').where('logo_hash', '=', hash).where('logo_png', 'is not', null).executeTakeFirst();
  return row?.logo_png ?? undefined;
}

export async function findTenantOfCapture(db: Db, captureHash: string): Promise<string | undefined> {
  const row = await db.selectFrom('liveness_checks').select('tenant').where('capture_hash', '=', captureHash).executeTakeFirst();
  return row?.tenant;
}
