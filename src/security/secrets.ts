// Secrets handed to callers (API keys, check tokens, capture ids) and how they are looked up:
// only a SHA-256 digest is stored, so a leaked database holds no usable secret.
import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of [A-Za-z0-9] from the CSPRNG, without modulo bias. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would favour the first characters.
      if (byte < 248) out += ALPHANUMERIC[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const TOKEN_PATTERN = /^[A-Za-z0-9]{32}$/;
export const CAPTURE_ID_PATTERN = /^cap_[A-Za-z0-9]{40}$/;
/** Live keys; `_` is not alphanumeric, so no live key can ever begin with `lc_test_`. */
export const LIVE_API_KEY_PATTERN = /^lc_[A-Za-z0-9]{40}$/;
export const TEST_API_KEY_PATTERN = /^lc_test_[A-Za-z0-9]{40}$/;
export const API_KEY_PATTERN = /^lc_(?:test_)?[A-Za-z0-9]{40}$/;
export const ADMIN_KEY_PREFIX = 'lcadmin_';

export function newCheckToken(): string {
  return randomAlphanumeric(32);
}

export function newCaptureId(): string {
  return `cap_${randomAlphanumeric(40)}`;
}

/** `lc_…` for live keys, `lc_test_…` for sandbox keys: the mode is visible in logs and configs. */
export function newApiKey(mode: 'live' | 'test' = 'live'): string {
  return `${mode === 'test' ? 'lc_test_' : 'lc_'}${randomAlphanumeric(40)}`;
}

export function apiKeyMode(key: string): 'live' | 'test' | undefined {
  if (LIVE_API_KEY_PATTERN.test(key)) return 'live';
  if (TEST_API_KEY_PATTERN.test(key)) return 'test';
  return undefined;
}

export function newAdminKey(): string {
  return `${ADMIN_KEY_PREFIX}${randomAlphanumeric(40)}`;
}

/** SHA-256 in hex. Every poll hashes its token: Node's one-shot hash (20.12+) costs a third of a Hash object. */
export const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data, 'utf8').digest('hex');

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

/** Compares two secrets in time independent of where they differ. */
export function secretsEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
