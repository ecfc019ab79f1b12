// Offboarding: everything a tenant left in the store is deleted, not hidden. Its API keys go first,
// so that it can make nothing new; then its checks with their frames, images, jobs and webhook
// events, in batches; then its endpoints, secrets, settings and console sessions. Other processes
// may still accept its keys for AUTH_CACHE_MS (as after a revocation): a second pass after that
// window erases what they let in. The audit log keeps its entries (ids and actions, no biometric
// data) and records the erasure.
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { LivecheckError } from '../errors.js';
import { recordAudit } from '../store/audit-log.js';
import type { Database } from '../store/schema.js';
import { AUTH_CACHE_MS, type ApiKeys } from './api-keys.js';
import { TENANT_PATTERN } from './tenant-settings.js';

export interface TenantErasureReport {
  tenant: string;
  api_keys: number;
  checks: number;
  webhook_endpoints: number;
  webhook_events: number;
  settings: number;
  console_sessions: number;
}

type Db = Kysely<Database> | Transaction<Database>;

/** Checks erased per transaction: short locks however many checks a tenant has. */
const BATCH = 200;

export class TenantErasure {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly keys: ApiKeys,
    /** How long other processes may still accept a deleted key; injectable for tests of the passes. */
    private readonly cacheWindowMs = AUTH_CACHE_MS,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async erase(tenant: string): Promise<TenantErasureReport> {
    if (!TENANT_PATTERN.test(tenant)) throw new LivecheckError('invalid_request', 'tenant must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');
    const started = this.clock.now();
    const apiKeys = Number((await this.db.deleteFrom('api_keys').where('tenant', '=', tenant).executeTakeFirst()).numDeletedRows);
    this.keys.forgetTenant(tenant);
    const erased = await this.eraseChecks(tenant);
    // What another process let in with a key it still had cached. With no key deleted now, the call
    // that deleted them has waited already.
    if (apiKeys > 0) {
      const waited = this.clock.now() - started;
      if (waited < this.cacheWindowMs) await this.sleep(this.cacheWindowMs - waited);
      const late = await this.eraseChecks(tenant);
      erased.checks += late.checks;
      erased.events += late.events;
    }
    return this.db.transaction().execute(async (trx) => {
      const count = async (query: Promise<{ numDeletedRows: bigint }>) => Number((await query).numDeletedRows);
      const report: TenantErasureReport = {
        tenant,
        api_keys: apiKeys,
        checks: erased.checks,
        webhook_events: erased.events + (await count(trx.deleteFrom('webhook_events').where('tenant', '=', tenant).executeTakeFirst())),
        webhook_endpoints: 0,
        settings: 0,
        console_sessions: 0,
      };
      await trx.deleteFrom('webhook_deliveries').where('tenant', '=', tenant).execute();
      report.webhook_endpoints = await count(trx.deleteFrom('webhook_endpoints').where('tenant', '=', tenant).executeTakeFirst());
      await trx.deleteFrom('tenant_webhook_secrets').where('tenant', '=', tenant).execute();
      report.settings = await count(trx.deleteFrom('tenant_settings').where('tenant', '=', tenant).executeTakeFirst());
      report.console_sessions = await count(trx.deleteFrom('console_sessions').where('tenant', '=', tenant).executeTakeFirst());
      const { tenant: _, ...details } = report;
      await recordAudit(trx, { actor: 'admin', action: 'tenant.erase', subject: tenant, details }, this.clock.now());
      return report;
    });
  }

  /** Checks and the webhook events that went with them. */
  private async eraseChecks(tenant: string): Promise<{ checks: number; events: number }> {
    const erased = { checks: 0, events: 0 };
    for (;;) {
      const done = await this.db.transaction().execute(async (trx) => {
        const ids = (await trx.selectFrom('liveness_checks').select('id').where('tenant', '=', tenant).limit(BATCH).execute()).map((row) => row.id);
        if (ids.length > 0) erased.events += await eraseChecksById(trx, ids);
        return ids.length;
      });
      erased.checks += done;
      if (done < BATCH) return erased;
    }
  }
}

/** As eraseCheckRows (store/checks.ts), for a batch of checks; returns the webhook events deleted. */
async function eraseChecksById(db: Db, ids: string[]): Promise<number> {
  await db.deleteFrom('capture_frames').where('check_id', 'in', ids).execute();
  await db.deleteFrom('check_images').where('check_id', 'in', ids).execute();
  await db.deleteFrom('jobs').where('check_id', 'in', ids).execute();
  const events = await db.deleteFrom('webhook_events').where('check_id', 'in', ids).executeTakeFirst();
  await db.deleteFrom('liveness_checks').where('id', 'in', ids).execute();
  return Number(events.numDeletedRows);
}
