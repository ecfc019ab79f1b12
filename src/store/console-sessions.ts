// Review-console sessions (0007): stored by the digest of the cookie's secret.
import type { Kysely, Selectable } from 'kysely';
import type { CheckMode, ConsoleSessionsTable, Database } from './schema.js';

export type ConsoleSessionRow = Selectable<ConsoleSessionsTable>;

export async function insertConsoleSession(db: Kysely<Database>, row: ConsoleSessionRow): Promise<void> {
  await db.insertInto('console_sessions').values(row).execute();
}

export async function findConsoleSession(db: Kysely<Database>, idHash: string, now: number): Promise<ConsoleSessionRow | undefined> {
  return db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).where('expires_at', '>', now).executeTakeFirst();
}

export async function touchConsoleSession(db: Kysely<Database>, idHash: string, now: number): Promise<void> {
  await db.updateTable('console_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
}

export async function deleteConsoleSession(db: Kysely<Database>, idHash: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
}

/** Removes sessions past their end; called on sign-in, so the table stays small without a sweeper. */
export async function deleteExpiredConsoleSessions(db: Kysely<Database>, now: number): Promise<void> {
  await db.deleteFrom('console_sessions').where('expires_at', '<=', now).execute();
}

/** The key's mode while it is active; undefined once revoked (or gone). */
export async function activeKeyMode(db: Kysely<Database>, id: string): Promise<CheckMode | undefined> {
  const row = await db.selectFrom('api_keys').select('mode').where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return row?.mode;
}
