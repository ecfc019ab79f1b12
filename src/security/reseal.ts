// Re-encrypts every sealed value under the current key, so that keys listed in
// LIVECHECK_PREVIOUS_ENCRYPTION_KEYS can be retired without waiting for retention to delete what
// they sealed. Batched, and idempotent: values already under the current key are not touched.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../store/schema.js';
import type { SecretBox } from './secret-box.js';

/** Every column SecretBox output is stored in, with the key of its table. Keep in step with schema.ts. */
export const SEALED_COLUMNS: ReadonlyArray<{ table: keyof Database; key: readonly string[]; column: string }> = [
  { table: 'liveness_checks', key: ['id'], column: 'token_sealed' },
  { table: 'capture_frames', key: ['check_id', 'seq'], column: 'image_sealed' },
  { table: 'capture_frames', key: ['check_id', 'seq'], column: 'observation_sealed' },
  { table: 'check_images', key: ['check_id', 'kind', 'position'], column: 'image_sealed' },
  { table: 'webhook_endpoints', key: ['id'], column: 'secrets_sealed' },
  { table: 'tenant_webhook_secrets', key: ['tenant'], column: 'secrets_sealed' },
  { table: 'encryption_canary', key: ['id'], column: 'sealed' },
];

export interface ResealCount {
  table: string;
  column: string;
  /** Re-encrypted under the current key by this run. */
  resealed: number;
  /** Changed by the service between read and write (it seals with the current key): left as is. */
  changed: number;
  /** Sealed with a key that is not configured: still needs that key. */
  unreadable: number;
}

export interface ResealReport {
  /** Hex id of the key everything is now sealed with (the first 4 bytes of its SHA-256). */
  keyId: string;
  columns: ResealCount[];
  resealed: number;
  unreadable: number;
}

type Row = Record<string, unknown>;

const asBuffer = (value: unknown): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array));

/** `(a, b) > (x, y)`: row-value comparison, the same on SQLite and PostgreSQL, for keyset paging. */
function after(key: readonly string[], last: Row): RawBuilder<unknown> {
  const columns = sql.join(key.map((k) => sql.ref(k)));
  const values = sql.join(key.map((k) => sql`${last[k]}`));
  return sql`(${columns}) > (${values})`;
}

async function resealColumn(db: Kysely<Database>, box: SecretBox, target: (typeof SEALED_COLUMNS)[number], batch: number): Promise<ResealCount> {
  const count: ResealCount = { table: target.table, column: target.column, resealed: 0, changed: 0, unreadable: 0 };
  const current = box.currentKeyId();
  const keyList = sql.join(target.key.map((k) => sql.ref(k)));
  let last: Row | undefined;
  for (;;) {
    // Only values under another key are read (bytes 2-5 are the key id), so a second run reads nothing.
    const page = await sql<Row>`
      select ${keyList}, ${sql.ref(target.column)} as sealed from ${sql.table(target.table)}
      where ${sql.ref(target.column)} is not null and substr(${sql.ref(target.column)}, 2, 4) <> ${current}
      ${last ? sql`and ${after(target.key, last)}` : sql``}
      order by ${keyList} limit ${batch}`.execute(db);
    if (page.rows.length === 0) return count;
    await db.transaction().execute(async (trx) => {
      for (const row of page.rows) {
        const sealed = asBuffer(row.sealed);
        let resealed: Buffer;
        try {
          resealed = box.encrypt(box.decrypt(sealed));
        } catch {
          count.unreadable++;
          continue;
        }
        const match = sql.join(target.key.map((k) => sql`${sql.ref(k)} = ${row[k]}`), sql` and `);
        // Compare-and-set: a value the service rewrote meanwhile is already under the current key.
        const result = await sql`update ${sql.table(target.table)} set ${sql.ref(target.column)} = ${resealed}
          where ${match} and ${sql.ref(target.column)} = ${sealed}`.execute(trx);
        if (Number(result.numAffectedRows ?? 0) > 0) count.resealed++;
        else count.changed++;
      }
    });
    last = page.rows.at(-1);
    if (page.rows.length < batch) return count;
  }
}

export async function resealAll(db: Kysely<Database>, box: SecretBox, options: { batch?: number; onProgress?: (count: ResealCount) => void } = {}): Promise<ResealReport> {
  const batch = options.batch ?? 200;
  const columns: ResealCount[] = [];
  for (const target of SEALED_COLUMNS) {
    const count = await resealColumn(db, box, target, batch);
    columns.push(count);
    options.onProgress?.(count);
  }
  return {
    keyId: box.currentKeyId().toString('hex'),
    columns,
    resealed: columns.reduce((n, c) => n + c.resealed, 0),
    unreadable: columns.reduce((n, c) => n + c.unreadable, 0),
  };
}
