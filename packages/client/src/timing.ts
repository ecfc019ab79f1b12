// Time for the client: the real clock, Retry-After parsing and the backoff schedule shared by
// request retries and polling.
import type { Clock } from './types.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // HTTP-date, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"; Date.parse alone would also take "-5" as a year.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface BackoffPolicy {
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** Fraction of a delay taken off at random: spreads out clients that started together. */
  jitter: number;
}

/**
 * The delay before attempt `n + 1` after attempt `n` (0-based): `initialDelayMs · factorⁿ`, capped at
 * `maxDelayMs`, less up to `jitter` of it, and never below the server's `Retry-After`. Jitter only
 * ever shortens a delay, so the cap holds; the first delay is exact so the schedule is predictable.
 */
export function backoffDelay(policy: BackoffPolicy, n: number, random: number, retryAfterMs = 0): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** n);
  const jittered = n === 0 ? base : base * (1 - policy.jitter * random);
  return Math.round(Math.max(jittered, retryAfterMs));
}
