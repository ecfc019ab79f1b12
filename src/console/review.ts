// The console's read side: lists of checks (filtered, keyset-paged), live updates of open checks,
// case files and the overview, each narrowed to what the signed-in principal may see.
import type { Kysely } from 'kysely';
import type { RetentionSettings } from '../checks/service.js';
import type { Clock } from '../clock.js';
import { LivecheckError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import { findCheckById, imagesOf } from '../store/checks.js';
import { auditOf, checksByIds, checksCreatedSince, knownTenants, listChecks } from '../store/console-checks.js';
import type { CheckMode, CheckStatus, Database } from '../store/schema.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { type CaseFile, buildCaseFile } from './case-file.js';
import { type CheckSummary, summarizeCheck } from './check-summary.js';
import { type Overview, computeOverview } from './overview.js';
import { canSeeCheck, modeScope, tenantScope } from './scope.js';
import type { ConsolePrincipal } from './sessions.js';

export interface CheckListQuery {
  tenant?: string | undefined;
  mode?: CheckMode | undefined;
  statuses?: CheckStatus[] | undefined;
  outcome?: 'passed' | 'not_passed' | undefined;
  /** Epoch ms, inclusive. */
  from?: number | undefined;
  /** Epoch ms, exclusive. */
  to?: number | undefined;
  reference?: string | undefined;
  search?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface CheckPage {
  checks: CheckSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: string | null;
}

export interface ConsoleReviewDeps {
  db: Kysely<Database>;
  box: SecretBox;
  clock: Clock;
  webhooks: Webhooks;
  retention: RetentionSettings;
}

/** The overview counts at most this many checks of its window; beyond, it says it was truncated. */
const OVERVIEW_ROW_LIMIT = 100_000;

export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}.${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const match = /^(\d{1,16})\.(.{1,128})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) throw new LivecheckError('invalid_request', 'cursor is not one this API returned');
  return { createdAt: Number(match[1]), id: match[2] };
}

export class ConsoleReview {
  constructor(private readonly deps: ConsoleReviewDeps) {}

  async list(principal: ConsolePrincipal, query: CheckListQuery): Promise<CheckPage> {
    const tenant = tenantScope(principal, query.tenant);
    const rows = await listChecks(this.deps.db, {
      tenant,
      mode: modeScope(principal, query.mode),
      statuses: query.statuses,
      outcome: query.outcome,
      createdFrom: query.from,
      createdTo: query.to,
      reference: query.reference,
      search: query.search,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      // One more than asked tells whether there is a next page without a count query.
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const now = this.deps.clock.now();
    return {
      checks: page.map((row) => summarizeCheck(row, now)),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  /** Fresh summaries of the given checks (the list polls its open ones); ids not visible are left out. */
  async updates(principal: ConsolePrincipal, ids: string[]): Promise<CheckSummary[]> {
    const tenant = tenantScope(principal, undefined);
    const now = this.deps.clock.now();
    return (await checksByIds(this.deps.db, ids, tenant, modeScope(principal, undefined))).map((row) => summarizeCheck(row, now));
  }

  /** Another tenant's check is answered exactly like an unknown id. */
  async caseFile(principal: ConsolePrincipal, id: string): Promise<CaseFile> {
    const { db } = this.deps;
    const row = await findCheckById(db, id);
    if (!row || !canSeeCheck(principal, row)) throw new LivecheckError('not_found', 'no check with that id');
    const [images, audit, deliveries] = await Promise.all([
      imagesOf(db, id),
      auditOf(db, id),
      this.deps.webhooks.deliveries({ tenant: row.tenant, checkId: id, limit: 50 }),
    ]);
    return buildCaseFile({ row, images, audit, deliveries, box: this.deps.box, retention: this.deps.retention, now: this.deps.clock.now() });
  }

  async overview(principal: ConsolePrincipal, query: { tenant?: string | undefined; mode?: CheckMode | undefined; days: number }): Promise<Overview> {
    const tenant = tenantScope(principal, query.tenant);
    const now = this.deps.clock.now();
    const since = (Math.floor(now / 86_400_000) - (query.days - 1)) * 86_400_000;
    const rows = await checksCreatedSince(this.deps.db, since, tenant, modeScope(principal, query.mode), OVERVIEW_ROW_LIMIT + 1);
    return computeOverview(rows.slice(0, OVERVIEW_ROW_LIMIT), now, query.days, rows.length > OVERVIEW_ROW_LIMIT);
  }

  async tenants(principal: ConsolePrincipal): Promise<string[]> {
    return principal.kind === 'admin' ? knownTenants(this.deps.db) : [principal.tenant];
  }
}
