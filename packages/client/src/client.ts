// The client: create a check, read it, wait for its result.
import { LivecheckApiError, LivecheckTimeoutError } from './errors.js';
import { type BackoffPolicy, backoffDelay, systemClock } from './timing.js';
import { type ApiAnswer, Transport, isRetriableError } from './transport.js';
import {
  type Clock,
  type CreateCheckOptions,
  type CreatedCheck,
  type LivenessCheck,
  type OpenCheck,
  type SimulateOptions,
  type SimulatedCheck,
  type SimulatedOutcome,
  type TerminalCheck,
  isTerminal,
} from './types.js';
import { createBody, readCreated, readError, readExpired, readFinished, readOpen, readSimulated } from './wire.js';

export const CLIENT_VERSION = '0.1.0';

export interface LivecheckClientOptions {
  /** Where the service listens, e.g. `https://livecheck.internal` (a path prefix is kept). */
  baseUrl: string;
  /** A tenant API key, `lc_…`. Server-side only: it must never reach a browser or app. */
  apiKey: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Per request, connect to last byte (default 30 000). */
  timeoutMs?: number;
  /** Retries of a network error, timeout, 5xx or 429 for createCheck and getCheck (default 3). */
  maxRetries?: number;
  /** Time and randomness; tests inject one that does not wait. */
  clock?: Clock;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface CreateRequestOptions extends RequestOptions {
  /** Makes retries safe: the same key and body return the same check. A random UUID when omitted. */
  idempotencyKey?: string;
}

/** Called after every poll that did not end the wait: an open check, or an error that will be retried. */
export type PollEvent = {
  /** 1 for the first poll. */
  attempt: number;
  /** Since waitForResult was called. */
  elapsedMs: number;
  /** Until the next poll. */
  nextDelayMs: number;
} & ({ check: OpenCheck; error?: undefined } | { check?: undefined; error: Error });

export interface WaitOptions {
  /** Before the first poll (default 2500; at least 500). A person needs longer than this to finish. */
  initialDelayMs?: number;
  /** Growth of the delay per poll (default 1.5; at least 1). */
  factor?: number;
  /** Cap of the delay (default 30 000), except that Retry-After always wins. */
  maxDelayMs?: number;
  /** Fraction of each delay after the first taken off at random (default 0.2, at most 0.5). */
  jitter?: number;
  /** Give up with LivecheckTimeoutError after this long. Without it, the wait lasts until a terminal
   * answer, which always comes: an unused link expires (410) and an abandoned capture fails. */
  timeoutMs?: number;
  /** Aborting rejects with the signal's reason, also in the middle of a delay or a request. */
  signal?: AbortSignal;
  onPoll?: (event: PollEvent) => void;
  /** Defaults to the client's clock. */
  clock?: Clock;
}

const MIN_INITIAL_DELAY_MS = 500;

export const DEFAULT_WAIT: Required<Pick<WaitOptions, 'initialDelayMs' | 'factor' | 'maxDelayMs' | 'jitter'>> = {
  initialDelayMs: 2500,
  factor: 1.5,
  maxDelayMs: 30_000,
  jitter: 0.2,
};

export class LivecheckClient {
  private readonly transport: Transport;
  private readonly clock: Clock;

  constructor(options: LivecheckClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    if (!options.apiKey) throw new TypeError('apiKey is required');
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('no global fetch in this runtime: pass options.fetch');
    this.clock = options.clock ?? systemClock;
    this.transport = new Transport({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      apiKey: options.apiKey,
      // Called unbound: some runtimes' fetch throws "Illegal invocation" when called as a method.
      fetch: (input, init) => fetchImpl(input, init),
      timeoutMs: options.timeoutMs ?? 30_000,
      clock: this.clock,
      retry: { maxRetries: options.maxRetries ?? 3, initialDelayMs: 500, factor: 2, maxDelayMs: 8000, jitter: 0.5 },
      userAgent: `livecheck-client/${CLIENT_VERSION}`,
    });
  }

  /**
   * Creates a check. Keep `token` on your server (in the user's session) and send the user to `url`.
   * Retried on network errors and 5xx with one Idempotency-Key, so a retry never makes a second check.
   */
  async createCheck(options: CreateCheckOptions = {}, request: CreateRequestOptions = {}): Promise<CreatedCheck> {
    const idempotencyKey = request.idempotencyKey ?? globalThis.crypto.randomUUID();
    const answer = await this.transport.sendWithRetries(
      { method: 'POST', path: '/liveness_check', headers: { 'idempotency-key': idempotencyKey }, json: createBody(options) },
      request.signal,
    );
    if (answer.status !== 201) throw readError(answer.json, answer.status, answer.requestId, answer.retryAfterMs);
    return readCreated(answer.json, answer.status, answer.requestId);
  }

  /**
   * Reads a check once. Switch on `status`: `pending`/`in_progress` (ask again after
   * `retryAfterMs`), `complete`/`failed` (decide on `result.passed`), `expired`.
   * A malformed, unknown or another tenant's token throws LivecheckApiError (400, `invalid_token`).
   */
  async getCheck(token: string, request: RequestOptions = {}): Promise<LivenessCheck> {
    return interpret(await this.transport.sendWithRetries(getRequest(token), request.signal));
  }

  /**
   * Erases the check and all its data now, whatever its status (right to erasure). Afterwards the
   * token is unknown: getCheck throws 400 `invalid_token`. A retry after a lost answer that finds
   * the check already gone counts as done.
   */
  async deleteCheck(token: string, request: RequestOptions = {}): Promise<void> {
    const answer = await this.transport.sendWithRetries({ method: 'DELETE', path: checkPath(token) }, request.signal);
    if (answer.status === 204) return;
    const error = readError(answer.json, answer.status, answer.requestId, answer.retryAfterMs);
    if (answer.attempt > 1 && error.code === 'invalid_token') return;
    throw error;
  }

  /**
   * Sandbox only: decides a test check (made with a test key, `lc_test_…`) without a camera, through
   * the real service: result, generated images, webhook and audit entry are those of a real decision.
   * `expired` makes the link expire now (getCheck answers `expired`; a check in progress fails with
   * `capture_abandoned`). Read the result afterwards with getCheck or waitForResult, as in production.
   * Sent once, never retried (a repeat of a decided check is 409 `check_finished`). A live key or a
   * live check's id throws LivecheckApiError 404 `not_found`, as an unknown id does.
   */
  async simulate(id: string, outcome: SimulatedOutcome, options: SimulateOptions = {}): Promise<SimulatedCheck> {
    const json = { outcome, ...(options.failureReason !== undefined ? { failure_reason: options.failureReason } : {}) };
    const answer = await this.transport.send({ method: 'POST', path: `/v1/sandbox/liveness_check/${encodeURIComponent(id)}/simulate`, json }, options.signal);
    if (answer.status !== 200) throw readError(answer.json, answer.status, answer.requestId, answer.retryAfterMs);
    return readSimulated(answer.json, answer.status, answer.requestId);
  }

  /**
   * Polls until the check is decided or expired, as the API asks: first after `initialDelayMs`, then
   * backing off exponentially with jitter, never sooner than Retry-After. Network errors, timeouts
   * and 5xx are retried on the same schedule; any other error (400 `invalid_token`, 401) is thrown.
   */
  async waitForResult(token: string, options: WaitOptions = {}): Promise<TerminalCheck> {
    const policy: BackoffPolicy = {
      initialDelayMs: options.initialDelayMs ?? DEFAULT_WAIT.initialDelayMs,
      factor: options.factor ?? DEFAULT_WAIT.factor,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_WAIT.maxDelayMs,
      jitter: options.jitter ?? DEFAULT_WAIT.jitter,
    };
    validatePolicy(policy);
    const clock = options.clock ?? this.clock;
    const { signal } = options;
    const started = clock.now();
    const deadline = options.timeoutMs === undefined ? Infinity : started + options.timeoutMs;

    let delay = backoffDelay(policy, 0, clock.random());
    for (let attempt = 1; ; attempt++) {
      await clock.sleep(boundedByDeadline(delay, 0, deadline, clock.now(), options.timeoutMs), signal);
      let outcome: { check: OpenCheck; error?: undefined } | { check?: undefined; error: Error };
      let retryAfterMs = 0;
      try {
        const check = interpret(await this.transport.send(getRequest(token), signal));
        if (isTerminal(check)) return check;
        outcome = { check };
        retryAfterMs = check.retryAfterMs;
      } catch (error) {
        if (signal?.aborted || !isRetriableError(error)) throw error;
        outcome = { error: error as Error };
        if (error instanceof LivecheckApiError) retryAfterMs = error.retryAfterMs ?? 0;
      }
      delay = boundedByDeadline(backoffDelay(policy, attempt, clock.random(), retryAfterMs), retryAfterMs, deadline, clock.now(), options.timeoutMs);
      options.onPoll?.({ attempt, elapsedMs: clock.now() - started, nextDelayMs: delay, ...outcome });
    }
  }
}

/**
 * The delay, shortened to land on the deadline for one last poll; a timeout error when even that
 * would come sooner than Retry-After or the deadline has passed.
 */
function boundedByDeadline(delay: number, retryAfterMs: number, deadline: number, now: number, timeoutMs: number | undefined): number {
  if (now + delay <= deadline) return delay;
  const remaining = deadline - now;
  if (remaining <= 0 || remaining < retryAfterMs) throw new LivecheckTimeoutError(`no result within ${timeoutMs} ms`);
  return remaining;
}

function validatePolicy(policy: BackoffPolicy): void {
  if (!(policy.initialDelayMs >= MIN_INITIAL_DELAY_MS)) throw new RangeError(`initialDelayMs must be at least ${MIN_INITIAL_DELAY_MS}: polling faster does not get a result sooner`);
  if (!(policy.factor >= 1)) throw new RangeError('factor must be at least 1');
  if (!(policy.maxDelayMs >= policy.initialDelayMs)) throw new RangeError('maxDelayMs must be at least initialDelayMs');
  if (!(policy.jitter >= 0 && policy.jitter <= 0.5)) throw new RangeError('jitter must be between 0 and 0.5');
}

function checkPath(token: string): string {
  return `/liveness_check?token=${encodeURIComponent(token)}`;
}

function getRequest(token: string) {
  return { method: 'GET', path: checkPath(token) } as const;
}

function interpret(answer: ApiAnswer): LivenessCheck {
  const { status, json, requestId } = answer;
  switch (status) {
    case 202:
      // The service always sends Retry-After; 3 s is its value and the documented minimum pace.
      return { ...readOpen(json, status, requestId), retryAfterMs: answer.retryAfterMs ?? 3000 };
    case 200:
      return readFinished(json, status, requestId);
    case 410:
      return readExpired(json, status, requestId);
  }
  throw readError(json, status, requestId, answer.retryAfterMs);
}
