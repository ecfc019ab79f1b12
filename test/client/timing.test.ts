// The pure parts of the SDK's timing: Retry-After parsing and the backoff formula.
import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../../packages/client/src/timing.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 2500, factor: 1.5, maxDelayMs: 30_000, jitter: 0.2 };
  it('the first delay is exact; later ones grow by the factor, less at most the jitter fraction', () => {
    expect(backoffDelay(policy, 0, 0.99)).toBe(2500);
    expect(backoffDelay(policy, 1, 0)).toBe(3750);
    expect(backoffDelay(policy, 1, 1)).toBe(3000);
    expect(backoffDelay(policy, 2, 0.5)).toBe(Math.round(5625 * 0.9));
  });
  it('is capped at maxDelayMs, and jitter never pushes it above', () => {
    for (const r of [0, 0.3, 0.999]) {
      const delay = backoffDelay(policy, 20, r);
      expect(delay).toBeLessThanOrEqual(30_000);
      expect(delay).toBeGreaterThanOrEqual(24_000);
    }
  });
  it('never goes below Retry-After, even above the cap', () => {
    expect(backoffDelay(policy, 1, 1, 3000)).toBe(3000);
    expect(backoffDelay(policy, 0, 0, 10_000)).toBe(10_000);
    expect(backoffDelay(policy, 20, 0, 90_000)).toBe(90_000);
  });
});
