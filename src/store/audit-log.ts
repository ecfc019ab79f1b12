// The audit log: admin actions and check lifecycle changes, written in the same transaction as the
// change where there is one. Entries name ids only: never an image, token, key or reference.
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AuditLogRow, Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** `tenant:<name>` for a tenant's API key, `capture` for the holder of a capture link. */
export type AuditActor = 'admin' | 'system' | 'capture' | `tenant:${string}`;

export type AuditAction =
  | 'api_key.create'
  | 'api_key.revoke'
  | 'check.create'
  | 'check.start'
  | 'check.finish'
  | 'check.complete'
  | 'check.failed'
  | 'check.expire'
  | 'check.erase'
  | 'check.purge'
  /** A sandbox outcome asked for a test check (src/sandbox). */
  | 'check.simulate'
  | 'tenant_settings.update'
  /** Everything of a tenant deleted (src/tenancy/tenant-erasure.ts). */
  | 'tenant.erase'
  /** Webhook administration (src/webhooks/webhooks.ts); reading a signing secret counts too. */
  | 'webhook_endpoint.create'
  | 'webhook_endpoint.delete'
  | 'webhook_endpoint.rotate_secret'
  | 'tenant_webhook_secret.read'
  | 'tenant_webhook_secret.rotate'
  | 'webhook_delivery.redeliver';

export interface AuditEntry {
  actor: AuditActor;
  action: AuditAction;
  subject: string;
  details?: Record<string, string | number | boolean | null>;
}

let sequence = 0;

/**
 * Time-sortable: 12 hex digits of milliseconds, a counter that keeps one process's entries of one
 * millisecond in order, and randomness so that processes writing at once do not collide.
 */
function auditId(now: number): string {
  sequence = (sequence + 1) % 0x1000000;
  return `aud_${now.toString(16).padStart(12, '0')}${sequence.toString(16).padStart(6, '0')}${randomBytes(5).toString('hex')}`;
}

export async function recordAudit(db: Db, entry: AuditEntry, now: number): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: auditId(now), at: now, actor: entry.actor, action: entry.action, subject: entry.subject, details: JSON.stringify(entry.details ?? {}) })
    .execute();
}

/**
 * Deletes entries written before `cutoff` (LIVECHECK_AUDIT_LOG_TTL), a batch at a time so a backlog
 * never holds a long lock; returns how many went.
 */
export async function deleteAuditBefore(db: Kysely<Database>, cutoff: number, batch = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db
      .deleteFrom('audit_log')
      .where('id', 'in', (eb) => eb.selectFrom('audit_log').select('id').where('at', '<', cutoff).limit(batch))
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < batch) return total;
  }
}

/** Newest first; `before` is the id of the last entry of the previous page. */
export async function listAudit(db: Db, filter: { limit: number; before?: string | undefined; subject?: string | undefined }): Promise<AuditLogRow[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
  return query.execute();
}

/** What the admin API shows of an entry. */
export interface AuditEntryView {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

export interface AuditLogReader {
  list(filter: { limit: number; before?: string | undefined; subject?: string | undefined }): Promise<AuditEntryView[]>;
}

export function auditLogReader(db: Kysely<Database>): AuditLogReader {
  return {
    async list(filter) {
      const rows = await listAudit(db, filter);
      return rows.map((r) => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        details: JSON.parse(r.details) as Record<string, unknown>,
      }));
    },
  };
}
