// When a failed delivery is tried again: exponential steps over about a day, each with ±20% jitter
// so that receivers coming back from an outage are not hit by every retry at the same instant.

/** Delay after the n-th failed attempt (index n-1); its length + 1 is the number of attempts. */
export const RETRY_DELAYS_MS = [
  5_000, // 5 s
  30_000, // 30 s
  2 * 60_000, // 2 min
  10 * 60_000, // 10 min
  30 * 60_000, // 30 min
  60 * 60_000, // 1 h
  2 * 60 * 60_000, // 2 h
  4 * 60 * 60_000, // 4 h
  8 * 60 * 60_000, // 8 h
  8 * 60 * 60_000, // 8 h: the last attempt comes about 24 h after the first
];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export const JITTER = 0.2;

/** When to try again after `attempts` failed attempts, or undefined when it is time to give up. */
export function nextAttemptAt(attempts: number, now: number, random: () => number = Math.random): number | undefined {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return undefined;
  return now + Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}
