// Read-only queries for the review console: filtered keyset pages of checks, per-check audit entries
// and the rows behind the overview charts.
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { AuditLogRow, CheckMode, CheckRow, CheckStatus, Database } from './schema.js';

export interface CheckListFilter {
  /** Undefined: every tenant (the admin). */
  tenant?: string | undefined;
  /** Undefined: live and test checks (the admin). */
  mode?: CheckMode | undefined;
  statuses?: CheckStatus[] | undefined;
  /** passed: complete and passed; not_passed: complete or failed without passing. */
  outcome?: 'passed' | 'not_passed' | undefined;
  createdFrom?: number | undefined;
  createdTo?: number | undefined;
  reference?: string | undefined;
  /** An exact check id, or the start of a reference. */
  search?: string | undefined;
  /** Keyset: the last row of the previous page. */
  after?: { createdAt: number; id: string } | undefined;
  limit: number;
}

/** The stored result is JSON.stringify of StoredResult, whose only "passed" key is its own. */
const PASSED_TRUE = '%"passed":true%';

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listChecks(db: Kysely<Database>, filter: CheckListFilter): Promise<CheckRow[]> {
  let query = db.selectFrom('liveness_checks').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
  if (filter.tenant !== undefined) query = query.where('tenant', '=', filter.tenant);
  if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
  if (filter.statuses && filter.statuses.length > 0) query = query.where('status', 'in', filter.statuses);
  if (filter.outcome === 'passed') query = query.where('status', '=', 'complete').where('result', 'like', PASSED_TRUE);
  if (filter.outcome === 'not_passed') {
    query = query.where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'complete'), eb('result', 'not like', PASSED_TRUE)])]));
  }
  if (filter.createdFrom !== undefined) query = query.where('created_at', '>=', filter.createdFrom);
  if (filter.createdTo !== undefined) query = query.where('created_at', '<', filter.createdTo);
  if (filter.reference !== undefined) query = query.where('reference', '=', filter.reference);
  const search = filter.search;
  if (search !== undefined) {
    const prefix = `${escapeLike(search)}%`;
    query = query.where((eb: ExpressionBuilder<Database, 'liveness_checks'>) =>
      eb.or([eb('id', '=', search), eb('reference', 'like', sql<string>`${prefix} escape '\\'`)]),
    );
  }
  const after = filter.after;
  if (after) {
    query = query.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
  }
  return query.execute();
}

export async function checksByIds(db: Kysely<Database>, ids: string[], tenant: string | undefined, mode: CheckMode | undefined): Promise<CheckRow[]> {
  if (ids.length === 0) return [];
  let query = db.selectFrom('liveness_checks').selectAll().where('id', 'in', ids);
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  if (mode !== undefined) query = query.where('mode', '=', mode);
  return query.execute();
}

/** A check's lifecycle, oldest first (audit ids sort by time). */
export async function auditOf(db: Kysely<Database>, subject: string): Promise<AuditLogRow[]> {
  return db.selectFrom('audit_log').selectAll().where('subject', '=', subject).orderBy('id', 'asc').limit(500).execute();
}

export type OverviewRow = Pick<CheckRow, 'status' | 'result' | 'created_at' | 'expires_at' | 'finished_at' | 'completed_at'>;

export async function checksCreatedSince(db: Kysely<Database>, since: number, tenant: string | undefined, mode: CheckMode | undefined, limit: number): Promise<OverviewRow[]> {
  let query = db
    .selectFrom('liveness_checks')
    .select(['status', 'result', 'created_at', 'expires_at', 'finished_at', 'completed_at'])
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .limit(limit);
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  if (mode !== undefined) query = query.where('mode', '=', mode);
  return query.execute();
}

/** Tenants that have (or had) a key, for the admin's tenant picker. */
export async function knownTenants(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('api_keys').select('tenant').distinct().orderBy('tenant', 'asc').execute();
  return rows.map((r) => r.tenant);
}
