// Periodic housekeeping: ends checks whose link ran out, deletes audit and probe images past
// retention and whole checks past LIVECHECK_RESULT_TTL.
// Reads settle expiry too, so the sweeper only makes the store match what reads already report.
import type { LivenessChecks } from '../checks/service.js';
import type { Clock } from '../clock.js';
import { deleteExpiredAuditImages, openChecksPastExpiry } from '../store/checks.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { WorkerLogger } from './analysis-worker.js';

export interface SweepDeps {
  db: Kysely<Database>;
  checks: LivenessChecks;
  clock: Clock;
}

export async function sweepOnce(deps: SweepDeps): Promise<{ expired: number; imagesDeleted: number; probeImagesDeleted: number; checksPurged: number }> {
  const now = deps.clock.now();
  const due = await openChecksPastExpiry(deps.db, now, 500);
  for (const row of due) await deps.checks.settleExpiry(row);
  const imagesDeleted = await deleteExpiredAuditImages(deps.db, now);
  const purged = await deps.checks.purgeExpired();
  return { expired: due.length, imagesDeleted, probeImagesDeleted: purged.probeImages, checksPurged: purged.checks };
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
      this.running = sweepOnce(this.deps).catch((err: unknown) => this.logger.error({ err }, 'sweep failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
