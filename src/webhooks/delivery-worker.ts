// The loop that delivers webhooks: fans new outbox events out into deliveries, then claims due
// deliveries (leased, like jobs) and attempts them, several at once so that one slow receiver does
// not hold up the others. One bad delivery cannot crash it: each iteration and each attempt catch,
// label and move on. If this process dies mid-attempt, the lease runs out and the attempt is retried.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { WorkerLogger } from '../jobs/analysis-worker.js';
import { logLoopFailure, nextBackoff } from '../jobs/loop-failure.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import type { Dialect } from '../store/migrations.js';
import type { Database, WebhookDeliveryRow } from '../store/schema.js';
import { VERSION } from '../version.js';
import { type AttemptOutcome, attemptDelivery } from './deliver.js';
import { type AttemptResult, claimDelivery, findEvent, recordAttempt } from './delivery-store.js';
import { dispatchEvents } from './dispatcher.js';
import { nextAttemptAt } from './schedule.js';
import type { Resolver } from './transport.js';
import type { Webhooks } from './webhooks.js';

export interface DeliveryWorkerOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  webhooks: Webhooks;
  logger: WorkerLogger;
  allowPrivate: boolean;
  /** Per attempt, connection to last byte of the status line. */
  timeoutMs?: number;
  pollMs?: number;
  /** Must exceed timeoutMs: a lease that runs out mid-attempt lets another worker try too. */
  leaseMs?: number;
  concurrency?: number;
  metrics?: ServiceMetrics;
  resolve?: Resolver;
}

export class WebhookDeliveryWorker {
  private readonly id = `webhooks_${randomUUID()}`;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly options: DeliveryWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks for work now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming and waits for the attempts in flight (each bounded by its timeout); safe to call twice. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await Promise.all(this.inFlight.values());
  }

  private async run(): Promise<void> {
    const { pollMs = 1000 } = this.options;
    let backoff = 0;
    while (this.running) {
      const woken = this.woken;
      this.woken = false;
      let worked = false;
      try {
        worked = await this.runOnce();
        backoff = 0;
      } catch (error) {
        backoff = nextBackoff(backoff);
        logLoopFailure(this.options.logger, error, { worker: this.id }, 'webhook worker iteration', backoff);
      }
      // A wake can come before the transaction that recorded the event commits (PostgreSQL): after
      // a woken pass that found nothing, look once more shortly.
      if (!worked && this.running) await this.idle(backoff || (woken ? Math.min(100, pollMs) : pollMs));
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** Dispatches new events and starts the due attempts there is room for; returns whether there was work. */
  async runOnce(): Promise<boolean> {
    const { db, dialect, clock, leaseMs = 60_000, concurrency = 8 } = this.options;
    const dispatched = await dispatchEvents(db, dialect, clock.now());
    let claimed = 0;
    while (this.inFlight.size < concurrency) {
      const delivery = await claimDelivery(db, dialect, { worker: this.id, now: clock.now(), leaseMs, exclude: [...this.inFlight.keys()] });
      if (!delivery) break;
      claimed++;
      const attempt = this.attempt(delivery)
        .catch((error: unknown) => this.options.logger.error({ err: error, delivery_id: delivery.id }, 'webhook attempt failed to record'))
        .finally(() => {
          this.inFlight.delete(delivery.id);
          // A free slot: claim the next due delivery without waiting for the poll.
          this.wake();
        });
      this.inFlight.set(delivery.id, attempt);
    }
    return dispatched > 0 || claimed > 0;
  }

  /** Waits until nothing is in flight; for tests and graceful shutdown. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
  }

  private async attempt(delivery: WebhookDeliveryRow): Promise<void> {
    const { db, logger, metrics } = this.options;
    let result: AttemptResult;
    let outcome: AttemptOutcome | undefined;
    try {
      ({ result, outcome } = await this.send(delivery));
    } catch (error) {
      // A delivery that cannot even be prepared (say, a secret sealed with a key no longer
      // configured) counts as a failed attempt, so it too follows the schedule and ends.
      logger.error({ err: error, delivery_id: delivery.id }, 'webhook attempt could not be made');
      result = this.failure(delivery, null, 'internal error preparing the delivery; see the service log');
    }
    const recorded = await recordAttempt(db, delivery.id, this.id, result);
    const label = outcome?.delivered ? 'delivered' : outcome?.refused ? 'refused' : result.status === 'cancelled' ? 'cancelled' : 'failed';
    metrics?.webhookDeliveries.inc({ outcome: label });
    const fields = { delivery_id: delivery.id, event_id: delivery.event_id, attempt: delivery.attempts, status_code: result.statusCode, recorded };
    if (outcome?.delivered) logger.info(fields, 'webhook delivered');
    else logger.info({ ...fields, error: 'error' in result ? result.error : undefined, outcome: label }, 'webhook not delivered');
  }

  private async send(delivery: WebhookDeliveryRow): Promise<{ result: AttemptResult; outcome?: AttemptOutcome }> {
    const { db, clock, webhooks, allowPrivate, timeoutMs = 10_000, resolve } = this.options;
    const event = await findEvent(db, delivery.event_id);
    if (!event) return { result: { status: 'cancelled', statusCode: null, error: 'event no longer exists' } };
    const secrets = await webhooks.signingSecretsFor(delivery);
    if (!secrets) return { result: { status: 'cancelled', statusCode: null, error: 'endpoint deleted' } };
    const outcome = await attemptDelivery({ url: delivery.url, secrets }, event, clock.now(), {
      allowPrivate,
      timeoutMs,
      userAgent: `livecheck-webhooks/${VERSION}`,
      ...(resolve ? { resolve } : {}),
    });
    if (outcome.delivered) return { outcome, result: { status: 'delivered', statusCode: outcome.statusCode, at: clock.now() } };
    return { outcome, result: this.failure(delivery, outcome.statusCode, outcome.error) };
  }

  /** A failed attempt: retried on the schedule, or given up after the last one. */
  private failure(delivery: WebhookDeliveryRow, statusCode: number | null, error: string): AttemptResult {
    const next = nextAttemptAt(delivery.attempts, this.options.clock.now());
    return next === undefined
      ? { status: 'failed', statusCode, error: `${error}; gave up after ${delivery.attempts} attempts` }
      : { status: 'pending', statusCode, error, nextAttemptAt: next };
  }
}
