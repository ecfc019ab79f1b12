// Abuse limits: token buckets per API key, per capture link and per client address, answered with
// 429, Retry-After and the error envelope. The buckets live in this process's memory, so with
// several API processes behind a balancer each enforces the limits on its own share of requests
// (the effective limit is up to N times the setting); put a shared limiter in front if that matters.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimit, RateLimits } from '../config.js';
import { bearerKey } from './auth.js';
import { sendError } from './errors.js';
import { routeOf } from './route-of.js';
import type { App } from './types.js';

interface Bucket {
  tokens: number;
  /** Monotonic milliseconds of the last refill. */
  at: number;
}

export interface TokenBucketsOptions extends RateLimit {
  /** Most buckets kept; beyond it the least recently used one is dropped (its client starts full). */
  maxBuckets?: number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

/** One limit over many keys, in bounded memory. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  /** Time for an empty bucket to fill: a bucket idle this long holds nothing worth keeping. */
  private readonly fillMs: number;
  private readonly maxBuckets: number;
  private readonly now: () => number;
  private lastPrune: number;
  /** The key re-inserted last: the Map's last entry while it is in the Map. */
  private newest: string | undefined;

  constructor(private readonly options: TokenBucketsOptions) {
    this.perMs = options.perSecond / 1000;
    this.fillMs = options.burst / this.perMs;
    this.maxBuckets = options.maxBuckets ?? 10_000;
    this.now = options.now ?? (() => performance.now());
    this.lastPrune = this.now();
  }

  /** Takes a token for `key`: 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.now();
    this.prune(now);
    const found = this.buckets.get(key);
    const bucket = found ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    // Re-inserting keeps the Map in least-recently-used order, oldest first; a key that is already
    // the newest entry (one backend polling hard) stays where it is.
    if (!found || key !== this.newest) {
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
      this.newest = key;
    }
    if (this.buckets.size > this.maxBuckets) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets idle long enough to be full again; they hold no state. Oldest come first. */
  private prune(now: number): void {
    if (now - this.lastPrune < Math.min(this.fillMs, 10_000)) return;
    this.lastPrune = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at < this.fillMs) break;
      this.buckets.delete(key);
    }
  }
}

/** Monitoring must keep working while clients are being limited. */
const UNLIMITED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** Buckets never hold a secret: keys and capture ids are reduced to a digest first. */
function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

function captureIdOf(request: FastifyRequest): string | undefined {
  const params = request.params;
  if (params === null || typeof params !== 'object' || !('capture_id' in params)) return undefined;
  return typeof params.capture_id === 'string' ? params.capture_id : undefined;
}

/**
 * Adds the limits as an onRequest hook, before authentication and body parsing, so that floods
 * of bad keys, unknown links or huge bodies cost as little as possible. Register before routes.
 */
export function registerRateLimits(app: App, limits: RateLimits | undefined): void {
  if (!limits) return;
  const make = (limit: RateLimit | undefined) => (limit ? new TokenBuckets(limit) : undefined);
  const byAddress = make(limits.clientAddress);
  const byKey = make(limits.apiKey);
  const byLink = make(limits.captureLink);

  const refuse = (request: FastifyRequest, reply: FastifyReply, what: string, seconds: number) => {
    reply.header('retry-after', String(seconds));
    return sendError(reply, request, 'rate_limited', `too many requests ${what}; retry after ${seconds} s`);
  };

  // Callback style: an async hook costs a promise and a microtask hop on every request.
  app.addHook('onRequest', (request, reply, done) => {
    const wait = limitedFor(request);
    if (!wait) return done();
    refuse(request, reply, wait.what, wait.seconds);
  });

  const limitedFor = (request: FastifyRequest): { what: string; seconds: number } | undefined => {
    if (UNLIMITED_ROUTES.has(routeOf(request) ?? '')) return undefined;
    const addressWait = byAddress?.take(request.ip) ?? 0;
    if (addressWait > 0) return { what: 'from this address', seconds: addressWait };
    const key = byKey ? bearerKey(request) : undefined;
    const keyWait = key !== undefined ? (byKey?.take(key.hash) ?? 0) : 0;
    if (keyWait > 0) return { what: 'for this API key', seconds: keyWait };
    const captureId = byLink ? captureIdOf(request) : undefined;
    const linkWait = captureId !== undefined ? (byLink?.take(digest(captureId)) ?? 0) : 0;
    if (linkWait > 0) return { what: 'for this capture link', seconds: linkWait };
    return undefined;
  };
}
