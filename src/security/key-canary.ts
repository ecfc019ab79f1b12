// Every process on one store must seal with the same key: a process that generated its own (a second
// host without LIVECHECK_ENCRYPTION_KEY) or that runs on a restored copy without its key would seal
// data the others cannot read, and fail on everything sealed before it. The store keeps one known value
// sealed with its key; a process that cannot open it refuses to start, before it seals anything.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { ConfigError } from '../config.js';
import type { Database } from '../store/schema.js';
import type { SecretBox } from './secret-box.js';

const CANARY_ID = 'store';
const CANARY_TEXT = 'livecheck encryption canary v1';

const keyIdOf = (sealed: Buffer) => sealed.subarray(1, 5).toString('hex');

/**
 * Before any key is loaded or generated: a store that already holds sealed data and a process with no
 * key at all (none configured, no encryption.key in its data directory) would otherwise generate one.
 */
export async function refuseKeylessStart(db: Kysely<Database>, configuredKey: string | undefined, dataDir: string): Promise<void> {
  if (configuredKey !== undefined || existsSync(path.join(dataDir, 'encryption.key'))) return;
  const canary = await readCanary(db);
  if (!canary) return;
  throw new ConfigError(
    `this store's data is sealed with encryption key ${keyIdOf(canary)}, and this process has none (no LIVECHECK_ENCRYPTION_KEY, no ${path.join(dataDir, 'encryption.key')}): ` +
      'set LIVECHECK_ENCRYPTION_KEY to that key; every process on one store needs the same key',
  );
}

/**
 * Plants the canary in a new store, or checks that `box` opens it. When it opens it with a previous
 * key (a rotation in progress), it is sealed again with the current one: from now on processes
 * without the current key are refused, as the data they would meet is sealed with it.
 */
export async function verifyStoreKey(db: Kysely<Database>, box: SecretBox, now: number): Promise<void> {
  let canary = await readCanary(db);
  if (!canary) {
    // Two processes planting at once: one row wins, and the other checks its key against it below.
    await db
      .insertInto('encryption_canary')
      .values({ id: CANARY_ID, sealed: box.encrypt(Buffer.from(CANARY_TEXT)), created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    canary = await readCanary(db);
    if (!canary) throw new Error('the encryption canary was not stored');
  }
  let text: string;
  try {
    text = box.decryptText(canary);
  } catch {
    throw new ConfigError(
      `this store's data is sealed with encryption key ${keyIdOf(canary)}, which this process does not have (it seals with ${box.currentKeyId().toString('hex')}): ` +
        'set LIVECHECK_ENCRYPTION_KEY to the store\'s key (during a rotation, the old one in LIVECHECK_PREVIOUS_ENCRYPTION_KEYS); every process on one store needs the same key',
    );
  }
  if (text !== CANARY_TEXT) throw new Error('the encryption canary holds an unexpected value');
  if (!canary.subarray(1, 5).equals(box.currentKeyId())) {
    // Compare-and-set: another process may be doing the same.
    await db.updateTable('encryption_canary').set({ sealed: box.encrypt(Buffer.from(CANARY_TEXT)) }).where('id', '=', CANARY_ID).where('sealed', '=', canary).execute();
  }
}

async function readCanary(db: Kysely<Database>): Promise<Buffer | undefined> {
  const row = await db.selectFrom('encryption_canary').select('sealed').where('id', '=', CANARY_ID).executeTakeFirst();
  return row ? Buffer.from(row.sealed) : undefined;
}
