// Periodic housekeeping: ends checks whose link ran out, deletes audit and probe images past
// retention, whole checks past LIVECHECK_RESULT_TTL, and old webhook and audit log rows.
// Reads settle expiry too, so the sweeper only makes the store match what reads already report.
import type { LivenessChecks } from '../checks/service.js';
import type { Clock } from '../clock.js';
import { deleteAuditBefore } from '../store/audit-log.js';
import { deleteExpiredAuditImages, openChecksPastExpiry } from '../store/checks.js';
import { pruneWebhookLog } from '../webhooks/prune.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { WorkerLogger } from './analysis-worker.js';
import { logLoopFailure } from './loop-failure.js';

export interface LogRetention {
  /** LIVECHECK_WEBHOOK_LOG_TTL: finished deliveries and dispatched events. */
  webhookLogTtlSeconds: number;
  /** LIVECHECK_AUDIT_LOG_TTL. */
  auditLogTtlSeconds: number;
}

export const DEFAULT_LOG_RETENTION: LogRetention = { webhookLogTtlSeconds: 30 * 86_400, auditLogTtlSeconds: 365 * 86_400 };

export interface SweepDeps {
  db: Kysely<Database>;
  checks: LivenessChecks;
  clock: Clock;
  /** DEFAULT_LOG_RETENTION when absent. */
  logRetention?: LogRetention;
}

export interface SweepCounts {
  expired: number;
  imagesDeleted: number;
  probeImagesDeleted: number;
  checksPurged: number;
  webhookDeliveriesPruned: number;
  webhookEventsPruned: number;
  webhookEndpointsPruned: number;
  auditEntriesPruned: number;
}

export async function sweepOnce(deps: SweepDeps): Promise<SweepCounts> {
  const now = deps.clock.now();
  const due = await openChecksPastExpiry(deps.db, now, 500);
  for (const row of due) await deps.checks.settleExpiry(row);
  const imagesDeleted = await deleteExpiredAuditImages(deps.db, now);
  const purged = await deps.checks.purgeExpired();
  const retention = deps.logRetention ?? DEFAULT_LOG_RETENTION;
  const webhooks = await pruneWebhookLog(deps.db, now - retention.webhookLogTtlSeconds * 1000);
  const auditEntriesPruned = await deleteAuditBefore(deps.db, now - retention.auditLogTtlSeconds * 1000);
  return {
    expired: due.length,
    imagesDeleted,
    probeImagesDeleted: purged.probeImages,
    checksPurged: purged.checks,
    webhookDeliveriesPruned: webhooks.deliveries,
    webhookEventsPruned: webhooks.events,
    webhookEndpointsPruned: webhooks.endpoints,
    auditEntriesPruned,
  };
}

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: SweepDeps,
    private readonly logger: WorkerLogger,
    private readonly intervalMs = 30_000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running = sweepOnce(this.deps).catch((error: unknown) => logLoopFailure(this.logger, error, {}, 'sweep', this.intervalMs));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One sweep now, with this process's settings (tests, operators); errors reach the caller. */
  sweepNow(): Promise<SweepCounts> {
    return sweepOnce(this.deps);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
