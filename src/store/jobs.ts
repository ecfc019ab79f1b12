// Durable jobs with leases. A claim takes one due job whose lease is free and leases it to a worker;
// a worker that dies simply lets the lease run out, and another worker takes the job over.
import { type Kysely, sql } from 'kysely';
import type { Dialect } from './migrations.js';
import type { Database, JobRow } from './schema.js';

/** analyse_check decides a finished capture; observe_frames runs the models on frames during capture. */
export type JobKind = 'analyse_check' | 'observe_frames';

export async function enqueueJob(
  db: Kysely<Database>,
  job: { id: string; kind: JobKind; checkId: string; runAt: number; now: number },
): Promise<void> {
  await db
    .insertInto('jobs')
    .values({
      id: job.id,
      kind: job.kind,
      check_id: job.checkId,
      run_at: job.runAt,
      locked_until: null,
      locked_by: null,
      attempts: 0,
      last_error: null,
      created_at: job.now,
    })
    .onConflict((oc) => oc.columns(['kind', 'check_id']).doNothing())
    .execute();
}

export async function claimJob(
  db: Kysely<Database>,
  dialect: Dialect,
  claim: { kind: JobKind; worker: string; now: number; leaseMs: number },
): Promise<JobRow | undefined> {
  let due = db
    .selectFrom('jobs')
    .select('id')
    .where('kind', '=', claim.kind)
    .where('run_at', '<=', claim.now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', claim.now)]))
    .orderBy('run_at', 'asc')
    .limit(1);
  // SQLite has one writer at a time, so the plain sub-select is already exclusive there.
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  return db
    .updateTable('jobs')
    .set({
      locked_until: claim.now + claim.leaseMs,
      locked_by: claim.worker,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', '=', (eb) => eb.selectFrom(due.as('due')).select('due.id'))
    .returningAll()
    .executeTakeFirst();
}

export async function extendLease(db: Kysely<Database>, id: string, worker: string, until: number): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ locked_until: until })
    .where('id', '=', id)
    .where('locked_by', '=', worker)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function completeJob(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('jobs').where('id', '=', id).execute();
}

export async function retryJob(db: Kysely<Database>, id: string, runAt: number, error: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ run_at: runAt, locked_until: null, locked_by: null, last_error: error.slice(0, 500) })
    .where('id', '=', id)
    .execute();
}

export async function countJobs(db: Kysely<Database>, kind: JobKind): Promise<number> {
  const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', kind).executeTakeFirst();
  return Number(row?.n ?? 0);
}
