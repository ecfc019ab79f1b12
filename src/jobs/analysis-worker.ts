// The loop that takes analysis jobs. One bad job cannot crash it: each iteration catches, labels
// and backs off. A job is leased, the lease renewed while it runs; if this process dies, the lease
// runs out and any other worker takes the job over.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import type { StoredResult } from '../checks/model.js';
import type { Dialect } from '../store/migrations.js';
import { deleteFrames, findCheckById, transitionCheck } from '../store/checks.js';
import { type JobKind, claimJob, completeJob, extendLease, retryJob } from '../store/jobs.js';
import { type LoopLogger, logLoopFailure, nextBackoff } from './loop-failure.js';
import { observeFrames } from './observe-frames.js';
import type { Database, JobRow } from '../store/schema.js';
import { recordCheckEvent } from '../webhooks/outbox.js';
import { recordAudit } from '../store/audit-log.js';
import { type AnalysisDeps, analyseCheck } from './analyse-check.js';

export interface WorkerLogger extends LoopLogger {
  info(obj: object, msg: string): void;
}

export interface AnalysisWorkerOptions extends AnalysisDeps {
  dialect: Dialect;
  logger: WorkerLogger;
  leaseMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  /** Called with the check id and its final status after each analysis. */
  onAnalysed?: (checkId: string, status: 'complete' | 'failed') => void;
  metrics?: ServiceMetrics;
}

export class AnalysisWorker {
  private readonly id = `worker_${randomUUID()}`;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: AnalysisWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks for work now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops taking jobs and waits for the one running; safe to call twice. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { pollMs = 500 } = this.options;
    let backoff = 0;
    while (this.running) {
      let worked = false;
      try {
        worked = await this.runOne();
        backoff = 0;
      } catch (error) {
        backoff = nextBackoff(backoff);
        logLoopFailure(this.options.logger, error, { worker: this.id }, 'analysis worker iteration', backoff);
      }
      if (!worked && this.running) await this.idle(backoff || pollMs);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Claims and runs one job, decisions first; returns whether there was one. */
  async runOne(): Promise<boolean> {
    return (await this.runAnalysis()) || (await this.runObservation());
  }

  /** Leases a job of `kind` and renews the lease while `work` runs. */
  private async withLease(kind: JobKind, work: (job: JobRow) => Promise<void>): Promise<boolean> {
    const { db, dialect, clock, leaseMs = 60_000 } = this.options;
    const job = await claimJob(db, dialect, { kind, worker: this.id, now: clock.now(), leaseMs });
    if (!job) return false;
    const renew = setInterval(() => {
      extendLease(db, job.id, this.id, clock.now() + leaseMs).catch(() => undefined);
    }, Math.max(1000, leaseMs / 3));
    try {
      await work(job);
    } finally {
      clearInterval(renew);
    }
    return true;
  }

  private runObservation(): Promise<boolean> {
    return this.withLease('observe_frames', async (job) => {
      try {
        await observeFrames(this.options, job.check_id);
      } catch (error) {
        // Not fatal: the analysis job at finish looks at any frame left without an observation.
        this.options.logger.error({ err: error, check_id: job.check_id }, 'frame observation failed');
      }
      await completeJob(this.options.db, job.id);
    });
  }

  private runAnalysis(): Promise<boolean> {
    const { db, clock, maxAttempts = 3 } = this.options;
    return this.withLease('analyse_check', async (job) => {
      const started = performance.now();
      try {
        const outcome = await analyseCheck(this.options, job.check_id);
        await completeJob(db, job.id);
        if (outcome) {
          const { metrics } = this.options;
          metrics?.analysisDuration.observe((performance.now() - started) / 1000);
          metrics?.decisionLatency.observe((outcome.completedAt - outcome.finishedAt) / 1000);
          metrics?.analysesTotal.inc({ status: outcome.status });
          this.options.logger.info({ check_id: job.check_id, status: outcome.status }, 'check analysed');
          this.options.onAnalysed?.(job.check_id, outcome.status);
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.options.logger.error({ err: error, check_id: job.check_id, attempt: job.attempts }, 'analysis failed');
        if (job.attempts >= maxAttempts) {
          this.options.metrics?.analysesTotal.inc({ status: 'error' });
          await failCheck(db, clock, job.check_id);
          await completeJob(db, job.id);
          this.options.onAnalysed?.(job.check_id, 'failed');
        } else {
          await retryJob(db, job.id, clock.now() + 2000 * 2 ** job.attempts, message);
        }
      }
    });
  }
}

/** After repeated analysis errors the check ends as failed rather than staying in progress forever. */
async function failCheck(db: Kysely<Database>, clock: Clock, checkId: string): Promise<void> {
  const check = await findCheckById(db, checkId);
  if (!check) return;
  const threshold = (JSON.parse(check.options) as { threshold: number }).threshold;
  const result: StoredResult = {
    passed: false,
    confidence: 0,
    threshold,
    checked_at: new Date(clock.now()).toISOString(),
    failure_reason: 'analysis_error',
  };
  await db.transaction().execute(async (trx) => {
    if (await transitionCheck(trx, checkId, ['in_progress'], { status: 'failed', result: JSON.stringify(result), completed_at: clock.now() })) {
      await deleteFrames(trx, checkId);
      await recordCheckEvent(trx, check, 'failed', clock.now());
      await recordAudit(trx, { actor: 'system', action: 'check.failed', subject: checkId, details: { reason: 'analysis_error' } }, clock.now());
    }
  });
}
