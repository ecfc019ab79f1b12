// The in-memory token buckets behind the rate limits, and their configuration. Over HTTP: abuse.test.ts.
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/api/rate-limit.js';
import { ConfigError, loadConfig } from '../../src/config.js';

function buckets(perSecond: number, burst: number, maxBuckets?: number) {
  let now = 0;
  const limiter = new TokenBuckets({ perSecond, burst, now: () => now, ...(maxBuckets ? { maxBuckets } : {}) });
  return { limiter, advance: (ms: number) => (now += ms) };
}

describe('TokenBuckets', () => {
  it('allows a burst, then refuses with the seconds until the next token, then refills at the rate', () => {
    const { limiter, advance } = buckets(2, 5);
    for (let i = 0; i < 5; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    advance(499);
    expect(limiter.take('a')).toBe(1);
    advance(1);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    // Other keys have their own bucket.
    expect(limiter.take('b')).toBe(0);
  });

  it('says how long to wait when the rate is slow', () => {
    const { limiter } = buckets(0.1, 1);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10);
  });

  it('never holds more than maxBuckets, dropping the least recently used', () => {
    const { limiter } = buckets(1, 2, 100);
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(100);
    // A busy key stays limited while strangers come and go.
    const { limiter: busy } = buckets(1, 2, 100);
    busy.take('hot');
    busy.take('hot');
    for (let i = 0; i < 50; i++) {
      busy.take(`stranger${i}`);
      expect(busy.take('hot')).toBeGreaterThan(0);
    }
  });

  it('forgets idle buckets once they would be full again', () => {
    const { limiter, advance } = buckets(10, 20);
    for (let i = 0; i < 50; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(50);
    advance(2_001);
    limiter.take('new');
    expect(limiter.size).toBe(1);
  });
});

describe('TokenBuckets, the most recent key', () => {
  it('keeps limiting a key taken again after it was pruned as the newest entry', () => {
    const { limiter, advance } = buckets(10, 20);
    limiter.take('a');
    advance(2_001);
    // 'a' is pruned by this very take, then must get a bucket that is kept.
    for (let i = 0; i < 20; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.size).toBe(1);
    expect(limiter.take('a')).toBe(1);
  });

  it('keeps least-recently-used order when the same key comes back to back', () => {
    const { limiter } = buckets(1, 2, 2);
    limiter.take('a');
    limiter.take('b');
    limiter.take('b');
    limiter.take('a');
    // 'b' is now the least recently used and goes first.
    limiter.take('c');
    expect(limiter.size).toBe(2);
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
  });
});

describe('rate limit and retention configuration', () => {
  it('has defaults: 1000/2000 per API key, 10/30 per capture link, 500/1000 per address; 30 days of results', () => {
    const config = loadConfig({});
    expect(config.rateLimits).toEqual({
      apiKey: { perSecond: 1000, burst: 2000 },
      captureLink: { perSecond: 10, burst: 30 },
      clientAddress: { perSecond: 500, burst: 1000 },
    });
    expect(config.resultTtlSeconds).toBe(30 * 86_400);
    expect(config.probeImageTtlSeconds).toBe(30 * 86_400);
  });

  it('reads rate/burst, a bare rate, and off', () => {
    const config = loadConfig({ LIVECHECK_RATE_LIMIT_API_KEY: '5/7', LIVECHECK_RATE_LIMIT_CAPTURE_LINK: '2', LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: 'off' });
    expect(config.rateLimits).toEqual({ apiKey: { perSecond: 5, burst: 7 }, captureLink: { perSecond: 2, burst: 10 }, clientAddress: undefined });
    expect(loadConfig({ LIVECHECK_RESULT_TTL: '7200' }).probeImageTtlSeconds).toBe(7200);
  });

  it.each([
    [{ LIVECHECK_RATE_LIMIT_API_KEY: 'fast' }, 'LIVECHECK_RATE_LIMIT_API_KEY'],
    [{ LIVECHECK_RATE_LIMIT_CAPTURE_LINK: '10/0' }, 'LIVECHECK_RATE_LIMIT_CAPTURE_LINK'],
    [{ LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: '-1/5' }, 'LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS'],
    [{ LIVECHECK_RESULT_TTL: '60' }, 'LIVECHECK_RESULT_TTL'],
    [{ LIVECHECK_RESULT_TTL: '7200', LIVECHECK_PROBE_IMAGE_TTL: '7201' }, 'LIVECHECK_PROBE_IMAGE_TTL'],
  ])('rejects %j naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
