// Queries on liveness checks, their capture frames and their retained images.
import { type Kysely, type Transaction, sql } from 'kysely';
import { compiledOnce } from './compiled-once.js';
import type { Store } from './database.js';
import { type PointRead, pointRead } from './point-read.js';
import type { CheckMode, CheckRow, CheckStatus, CheckUpdate, Database, FrameRow, NewCheckRow } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertCheck(db: Db, row: NewCheckRow): Promise<void> {
  await db.insertInto('liveness_checks').values(row).execute();
}

const selectByTokenHash = compiledOnce((db: Kysely<Database>, tokenHash: string) =>
  db.selectFrom('liveness_checks').selectAll().where('token_hash', '=', tokenHash),
);

export async function findCheckByTokenHash(db: Db, tokenHash: string): Promise<CheckRow | undefined> {
  return (await selectByTokenHash(db, tokenHash))[0];
}

/**
 * What a poll of GET /liveness_check reads, and no more: the sealed token and the capture columns
 * are blobs and long strings that cost more to fetch than the indexed lookup itself.
 */
const POLL_COLUMNS = ['id', 'tenant', 'mode', 'status', 'reference', 'result', 'expires_at', 'finished_at', 'images_expire_at'] as const;
export type PolledCheck = Pick<CheckRow, (typeof POLL_COLUMNS)[number]>;

/**
 * Every poll runs this read, so it bypasses Kysely's driver and shares one query with the polls of
 * the same turn (see point-read.ts); Kysely still writes the SQL.
 */
export function polledCheckReader(store: Pick<Store, 'db' | 'native' | 'dialect'>): PointRead<PolledCheck> {
  const keys =
    store.dialect === 'sqlite' ? sql<string>`(select value from json_each(${sql.val('[]')}))` : sql<string>`any(${sql.val<string[]>([])})`;
  const many = store.db
    .selectFrom('liveness_checks')
    .select([...POLL_COLUMNS, 'token_hash'])
    .where('token_hash', store.dialect === 'sqlite' ? 'in' : '=', keys)
    .compile();
  if (many.parameters.length !== 1) throw new Error('polledCheckReader: expected one parameter');
  return pointRead<PolledCheck>(store.native, { many: many.sql, keyColumn: 'token_hash' });
}

export async function findCheckByCaptureHash(db: Db, captureHash: string): Promise<CheckRow | undefined> {
  return db.selectFrom('liveness_checks').selectAll().where('capture_hash', '=', captureHash).executeTakeFirst();
}

export async function findCheckById(db: Db, id: string): Promise<CheckRow | undefined> {
  return db.selectFrom('liveness_checks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Keys are per tenant and mode: a test request never replays a live check, nor the reverse. */
export async function findCheckByIdempotencyKey(db: Db, owner: { tenant: string; mode: CheckMode }, key: string): Promise<CheckRow | undefined> {
  return db
    .selectFrom('liveness_checks')
    .selectAll()
    .where('tenant', '=', owner.tenant)
    .where('mode', '=', owner.mode)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

/**
 * Updates a check only if it is still in one of `from`: the compare-and-set that keeps two
 * processes from both moving a check (two results, or a result over an expiry). Returns success.
 */
export async function transitionCheck(db: Db, id: string, from: CheckStatus[], update: CheckUpdate): Promise<boolean> {
  const result = await db
    .updateTable('liveness_checks')
    .set(update)
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertFrames(db: Db, frames: FrameRow[]): Promise<void> {
  if (frames.length > 0) await db.insertInto('capture_frames').values(frames).execute();
}

export async function setFrameObservation(db: Db, checkId: string, seq: number, observationSealed: Buffer): Promise<void> {
  await db.updateTable('capture_frames').set({ observation_sealed: observationSealed }).where('check_id', '=', checkId).where('seq', '=', seq).execute();
}

/** The frames of an attempt already stored at these times (a retried upload), without their images. */
export async function framesAt(db: Db, checkId: string, attempt: number, times: number[]): Promise<Array<Pick<FrameRow, 't' | 'seq' | 'observation_sealed'>>> {
  if (times.length === 0) return [];
  return db
    .selectFrom('capture_frames')
    .select(['t', 'seq', 'observation_sealed'])
    .where('check_id', '=', checkId)
    .where('attempt', '=', attempt)
    .where('t', 'in', times)
    .execute();
}

export async function framesOf(db: Db, checkId: string, attempt: number): Promise<FrameRow[]> {
  return db
    .selectFrom('capture_frames')
    .selectAll()
    .where('check_id', '=', checkId)
    .where('attempt', '=', attempt)
    .orderBy('seq', 'asc')
    .execute();
}

export async function deleteFrames(db: Db, checkId: string): Promise<void> {
  await db.deleteFrom('capture_frames').where('check_id', '=', checkId).execute();
}

export interface ImageRow {
  kind: 'probe' | 'audit';
  position: number;
  image_sealed: Buffer;
  bounding_box: string;
  captured_at: number;
}

export async function insertImages(db: Db, checkId: string, images: ImageRow[]): Promise<void> {
  if (images.length > 0) await db.insertInto('check_images').values(images.map((i) => ({ ...i, check_id: checkId }))).execute();
}

export async function imagesOf(db: Db, checkId: string): Promise<ImageRow[]> {
  return db
    .selectFrom('check_images')
    .select(['kind', 'position', 'image_sealed', 'bounding_box', 'captured_at'])
    .where('check_id', '=', checkId)
    .orderBy('kind', 'asc')
    .orderBy('position', 'asc')
    .execute();
}

/** Deletes audit images whose retention has passed; returns how many checks were affected. */
export async function deleteExpiredAuditImages(db: Db, now: number): Promise<number> {
  const due = await db
    .selectFrom('liveness_checks')
    .select('id')
    .where('images_expire_at', '<=', now)
    .execute();
  if (due.length === 0) return 0;
  const ids = due.map((d) => d.id);
  await db.deleteFrom('check_images').where('kind', '=', 'audit').where('check_id', 'in', ids).execute();
  await db.updateTable('liveness_checks').set({ images_expire_at: null }).where('id', 'in', ids).execute();
  return ids.length;
}

/** Open checks whose link has run out, for the sweeper. */
export async function openChecksPastExpiry(db: Db, now: number, limit: number): Promise<CheckRow[]> {
  return db
    .selectFrom('liveness_checks')
    .selectAll()
    .where('status', 'in', ['pending', 'in_progress'])
    .where('finished_at', 'is', null)
    .where('expires_at', '<=', now)
    .limit(limit)
    .execute();
}

/**
 * Erases checks and everything kept for them: frames, retained images, their jobs, their webhook
 * events (their deliveries cascade) and the check rows. Deleted, not hidden. Returns how many checks
 * and webhook events there were.
 */
export async function eraseChecksRows(db: Db, checkIds: string[]): Promise<{ checks: number; events: number }> {
  if (checkIds.length === 0) return { checks: 0, events: 0 };
  await db.deleteFrom('capture_frames').where('check_id', 'in', checkIds).execute();
  await db.deleteFrom('check_images').where('check_id', 'in', checkIds).execute();
  await db.deleteFrom('jobs').where('check_id', 'in', checkIds).execute();
  const events = await db.deleteFrom('webhook_events').where('check_id', 'in', checkIds).executeTakeFirst();
  const checks = await db.deleteFrom('liveness_checks').where('id', 'in', checkIds).executeTakeFirst();
  return { checks: Number(checks.numDeletedRows), events: Number(events.numDeletedRows) };
}

/** eraseChecksRows for one check; returns whether it existed. */
export async function eraseCheckRows(db: Db, checkId: string): Promise<boolean> {
  return (await eraseChecksRows(db, [checkId])).checks > 0;
}

/** Checks created before `cutoff`, whose whole retention has passed, for the sweeper. */
export async function checksCreatedBefore(db: Db, cutoff: number, limit: number): Promise<Array<{ id: string; tenant: string }>> {
  return db.selectFrom('liveness_checks').select(['id', 'tenant']).where('created_at', '<=', cutoff).orderBy('created_at', 'asc').limit(limit).execute();
}

/** Deletes probe images of checks completed before `cutoff`; returns how many were deleted. */
export async function deleteProbeImagesCompletedBefore(db: Db, cutoff: number): Promise<number> {
  const result = await db
    .deleteFrom('check_images')
    .where('kind', '=', 'probe')
    .where('check_id', 'in', (eb) => eb.selectFrom('liveness_checks').select('id').where('completed_at', '<=', cutoff))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
