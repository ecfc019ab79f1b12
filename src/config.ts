// Service configuration, read from the environment once at start-up into a typed object.
// A bad value stops the process with a message that names the variable and what to fix.
import { isIP } from 'node:net';
import path from 'node:path';

export type Role = 'all' | 'api' | 'worker';
export const ROLES: readonly Role[] = ['all', 'api', 'worker'];

export interface Config {
  /** api: HTTP only; worker: analysis and housekeeping only; all: both, the embedded default. */
  role: Role;
  port: number;
  host: string;
  /** Base of capture links handed to end users, without a trailing slash; by default the listening address. */
  publicUrl: string | undefined;
  /** Directory of the embedded store (SQLite) and of generated secrets. */
  dataDir: string;
  /** postgres://… when PostgreSQL is the store; undefined for the embedded SQLite store. */
  databaseUrl: string | undefined;
  /** PostgreSQL schema to keep livecheck's tables in (created if missing); default: the search_path. */
  databaseSchema: string | undefined;
  /** How long a claimed job stays leased without renewal; a killed worker's job is retaken after it. */
  jobLeaseMs: number;
  adminKey: string | undefined;
  /** When set, GET /metrics needs `Authorization: Bearer <it>` (LIVECHECK_METRICS_TOKEN). */
  metricsToken: string | undefined;
  /** Base64 32-byte key for secrets kept encrypted at rest; generated into dataDir when absent. */
  encryptionKey: string | undefined;
  /** Base64 keys of earlier rotations: they only decrypt, until retention has deleted what they sealed. */
  previousEncryptionKeys: string[];
  defaultThreshold: number;
  defaultExpiresInSeconds: number;
  /** Capture attempts ("Try again") one link allows. */
  captureAttempts: number;
  auditImageTtlSeconds: number;
  /** Whole checks (result, images, everything) are deleted this long after creation. */
  resultTtlSeconds: number;
  /** Probe images are deleted this long after completion; at most the result TTL. */
  probeImageTtlSeconds: number;
  /** Finished webhook deliveries and dispatched events are deleted this long after their last activity. */
  webhookLogTtlSeconds: number;
  /** Audit log entries are deleted this long after they were written. */
  auditLogTtlSeconds: number;
  /**
   * Fastify's trustProxy: which X-Forwarded-For hops to believe when working out the client address
   * (per-address rate limit). false: none; true: all; a number: that many hops; a list: those proxies.
   */
  trustProxy: TrustProxy;
  /** Token buckets per API key, per capture link and per client address; undefined = no limit. */
  rateLimits: RateLimits;
  /** Worker threads running the face models. */
  analysisThreads: number;
  /** Let webhooks go to loopback, private and link-local addresses (a receiver on the same host or LAN). */
  allowPrivateWebhooks: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export type TrustProxy = boolean | number | string[];

/** `perSecond` tokens refill a bucket of `burst`; a request takes one. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RateLimits {
  apiKey: RateLimit | undefined;
  captureLink: RateLimit | undefined;
  clientAddress: RateLimit | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected a whole number from ${min} to ${max}`);
  }
  return value;
}

function fractionVar(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected a number from 0 to 1`);
  }
  return value;
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected true or false`);
}

function urlVar(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL; expected e.g. ${protocols[0]}//host:port/…`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}; got ${url.protocol}`);
  }
  return raw;
}

/**
 * The base of capture links: `{base}/c/{capture_id}` is appended to it, so a query string or fragment
 * would swallow the path and credentials would be shown to every end user. A trailing slash is dropped.
 */
function publicUrlVar(env: Env, name: string): string | undefined {
  const raw = urlVar(env, name, ['http:', 'https:'])?.trim();
  if (raw === undefined) return undefined;
  const url = new URL(raw);
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`${name} must not contain a user name or password: it is shown to end users in every capture link`);
  }
  if (raw.includes('?') || raw.includes('#')) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: capture links are appended to it as /c/…, so it cannot have a query string (?…) or fragment (#…); use e.g. https://verify.example.com or https://example.com/liveness`);
  }
  return raw.replace(/\/+$/, '');
}

/** What `listen` accepts: an IP literal (no brackets) or a DNS name it resolves at start-up. */
function hostVar(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (isIP(raw) !== 0) return raw;
  const hostname = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  if (hostname.length > 0 && hostname.length <= 253 && hostname.split('.').every((part) => label.test(part)) && !/^[\d.]+$/.test(hostname)) {
    return raw;
  }
  const bracketed = /^\[(.*)\]$/.exec(raw);
  const hint = bracketed?.[1] !== undefined && isIP(bracketed[1]) === 6 ? ` (write an IPv6 address without brackets: ${bracketed[1]})` : '';
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid${hint}: expected the address to listen on, an IP such as 127.0.0.1, 0.0.0.0 or :: or a host name such as localhost (no scheme, port or path)`);
}

/** `rate/burst` (e.g. `20/100`), `rate` alone (burst = 5 × rate), or `0`/`off` for no limit. */
function rateLimitVar(env: Env, name: string, fallback: RateLimit): RateLimit | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0' || raw === 'off') return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(raw.trim());
  const perSecond = Number(match?.[1]);
  const burst = match?.[2] !== undefined ? Number(match[2]) : Math.ceil(perSecond * 5);
  if (!match || !(perSecond > 0) || perSecond > 1_000_000 || !(burst >= 1) || burst > 10_000_000) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected requests per second and burst as "20/100", or "off"`);
  }
  return { perSecond, burst };
}

/**
 * `false` (default), `true`, a hop count, or a comma list of proxy addresses and CIDR ranges.
 * Trusting every hop lets any client choose its own address, so `true` is only for a proxy that
 * cannot be bypassed and overwrites the header.
 */
function trustProxyVar(env: Env, name: string): TrustProxy {
  const raw = (env[name] ?? '').trim();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 100) throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: a hop count is at most 100`);
    return hops;
  }
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const bad = entries.find((entry) => !isAddressOrCidr(entry));
  if (bad !== undefined || entries.length === 0) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} is invalid${bad !== undefined ? ` (${JSON.stringify(bad)})` : ''}: expected true, false, a hop count, or a comma list of proxy IPs/CIDRs such as "10.0.0.0/8,fd00::1" (or loopback, linklocal, uniquelocal)`,
    );
  }
  return entries;
}

/** proxy-addr's names for ranges, which Fastify accepts in the list too. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const port = intVar(env, 'PORT', 3000, 0, 65535);
  const host = hostVar(env, 'HOST', '127.0.0.1');
  const publicUrl = publicUrlVar(env, 'LIVECHECK_PUBLIC_URL');
  const databaseUrl = urlVar(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const adminKey = env.LIVECHECK_ADMIN_KEY || undefined;
  if (adminKey !== undefined && adminKey.length < 24) {
    throw new ConfigError('LIVECHECK_ADMIN_KEY is too short: use at least 24 random characters (e.g. `openssl rand -hex 24`)');
  }
  const metricsToken = env.LIVECHECK_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && (metricsToken.length < 24 || /\s/.test(metricsToken))) {
    throw new ConfigError('LIVECHECK_METRICS_TOKEN must be at least 24 characters without spaces (e.g. `openssl rand -hex 24`)');
  }
  const encryptionKey = env.LIVECHECK_ENCRYPTION_KEY || undefined;
  if (encryptionKey !== undefined && Buffer.from(encryptionKey, 'base64').length !== 32) {
    throw new ConfigError('LIVECHECK_ENCRYPTION_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)');
  }
  const previousEncryptionKeys = (env.LIVECHECK_PREVIOUS_ENCRYPTION_KEYS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (previousEncryptionKeys.some((k) => Buffer.from(k, 'base64').length !== 32)) {
    throw new ConfigError('LIVECHECK_PREVIOUS_ENCRYPTION_KEYS must be comma-separated base64 32-byte keys');
  }
  if (previousEncryptionKeys.length > 0 && encryptionKey === undefined) {
    throw new ConfigError('LIVECHECK_PREVIOUS_ENCRYPTION_KEYS needs LIVECHECK_ENCRYPTION_KEY: the new key that seals from now on');
  }
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const resultTtlSeconds = intVar(env, 'LIVECHECK_RESULT_TTL', 30 * 86_400, 3600, 10 * 366 * 86_400);
  const role = (env.LIVECHECK_ROLE || 'all') as Role;
  if (!ROLES.includes(role)) throw new ConfigError(`LIVECHECK_ROLE must be one of ${ROLES.join(', ')}`);
  return {
    role,
    port,
    host,
    publicUrl,
    dataDir: path.resolve(env.LIVECHECK_DATA_DIR || './data'),
    databaseUrl,
    databaseSchema: env.LIVECHECK_DB_SCHEMA || undefined,
    jobLeaseMs: intVar(env, 'LIVECHECK_JOB_LEASE_MS', 60_000, 1000, 3_600_000),
    adminKey,
    metricsToken,
    encryptionKey,
    previousEncryptionKeys,
    defaultThreshold: fractionVar(env, 'LIVECHECK_DEFAULT_THRESHOLD', 0.5),
    defaultExpiresInSeconds: intVar(env, 'LIVECHECK_DEFAULT_EXPIRES_IN', 900, 60, 86_400),
    captureAttempts: intVar(env, 'LIVECHECK_CAPTURE_ATTEMPTS', 3, 1, 10),
    auditImageTtlSeconds: intVar(env, 'LIVECHECK_AUDIT_IMAGE_TTL', 1800, 0, 30 * 86_400),
    resultTtlSeconds,
    probeImageTtlSeconds: intVar(env, 'LIVECHECK_PROBE_IMAGE_TTL', resultTtlSeconds, 0, resultTtlSeconds),
    webhookLogTtlSeconds: intVar(env, 'LIVECHECK_WEBHOOK_LOG_TTL', 30 * 86_400, 3600, 10 * 366 * 86_400),
    auditLogTtlSeconds: intVar(env, 'LIVECHECK_AUDIT_LOG_TTL', 365 * 86_400, 86_400, 20 * 366 * 86_400),
    trustProxy: trustProxyVar(env, 'LIVECHECK_TRUST_PROXY'),
    rateLimits: {
      apiKey: rateLimitVar(env, 'LIVECHECK_RATE_LIMIT_API_KEY', { perSecond: 1000, burst: 2000 }),
      captureLink: rateLimitVar(env, 'LIVECHECK_RATE_LIMIT_CAPTURE_LINK', { perSecond: 10, burst: 30 }),
      clientAddress: rateLimitVar(env, 'LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS', { perSecond: 500, burst: 1000 }),
    },
    analysisThreads: intVar(env, 'LIVECHECK_ANALYSIS_THREADS', 1, 1, 64),
    allowPrivateWebhooks: boolVar(env, 'LIVECHECK_ALLOW_PRIVATE_WEBHOOKS', false),
    logLevel,
  };
}
