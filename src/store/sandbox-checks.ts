// The sandbox's writes to checks: every one is limited to test checks in its WHERE clause, so no
// mistake above it can move a live check.
import type { Kysely, Transaction } from 'kysely';
import type { CheckStatus, CheckUpdate, Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Compare-and-set on an open, test-mode check that no capture has handed to analysis. */
export async function transitionOpenTestCheck(db: Db, id: string, from: CheckStatus[], update: CheckUpdate): Promise<boolean> {
  const result = await db
    .updateTable('liveness_checks')
    .set(update)
    .where('id', '=', id)
    .where('mode', '=', 'test')
    .where('status', 'in', from)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
