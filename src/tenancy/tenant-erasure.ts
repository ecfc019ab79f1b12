// Offboarding: everything a tenant left in the store is deleted, not hidden. Its API keys go first,
// so that it can make nothing new; then its checks with their frames, images, jobs and webhook
// events, in batches; then its endpoints, secrets, settings and console sessions. Other processes
// may still accept its keys for AUTH_CACHE_MS (as after a revocation): a second pass after that
// window erases what they let in. The audit log keeps its entries (ids and actions, no biometric
// data) and records the erasure.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { recordAudit } from '../store/audit-log.js';
import { eraseChecksRows } from '../store/checks.js';
import type { Database } from '../store/schema.js';
import { AUTH_CACHE_MS, type ApiKeys } from './api-keys.js';
import { assertTenantName } from './tenant-name.js';

export interface TenantErasureReport {
  tenant: string;
  api_keys: number;
  checks: number;
  webhook_endpoints: number;
  webhook_events: number;
  settings: number;
  console_sessions: number;
}

/** Checks erased per transaction: short locks however many checks a tenant has. */
const BATCH = 200;

export class TenantErasure {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly keys: ApiKeys,
    /** How long other processes may still accept a deleted key (0 in tests of the batches alone). */
    private readonly cacheWindowMs = AUTH_CACHE_MS,
  ) {}

  async erase(tenant: string): Promise<TenantErasureReport> {
    assertTenantName(tenant);
    const started = this.clock.now();
    const apiKeys = Number((await this.db.deleteFrom('api_keys').where('tenant', '=', tenant).executeTakeFirst()).numDeletedRows);
    this.keys.forgetTenant(tenant);
    const erased = await this.eraseChecks(tenant);
    // What another process let in with a key it still had cached. With no key deleted now, the call
    // that deleted them has waited already.
    if (apiKeys > 0) {
      const waited = this.clock.now() - started;
      if (waited < this.cacheWindowMs) await new Promise((resolve) => setTimeout(resolve, this.cacheWindowMs - waited));
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
      const batch = await this.db.transaction().execute(async (trx) => {
        const ids = (await trx.selectFrom('liveness_checks').select('id').where('tenant', '=', tenant).limit(BATCH).execute()).map((row) => row.id);
        return eraseChecksRows(trx, ids);
      });
      erased.checks += batch.checks;
      erased.events += batch.events;
      if (batch.checks < BATCH) return erased;
    }
  }
}
