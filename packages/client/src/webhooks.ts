// Webhook verification per the Standard Webhooks specification (https://www.standardwebhooks.com):
// `webhook-signature` lists `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` entries (several while
// the sender rotates its secret), keyed with the base64 part of the `whsec_…` secret.
// Web Crypto only, so it runs unchanged in Node ≥ 20, Deno, Bun and edge runtimes; `subtle.verify`
// compares in constant time, so no byte-by-byte comparison happens here.
import { WebhookVerificationError } from './errors.js';

export type WebhookEventType = 'liveness_check.completed' | 'liveness_check.failed' | 'liveness_check.expired';

/**
 * What livecheck sends: ids, status and your reference, never images or results. Fetch the result
 * with `getCheck` (the token is the one you stored when creating the check).
 */
export interface WebhookEvent {
  /** Equals the `webhook-id` header; the same for every retry of one event, so use it to drop duplicates. */
  id: string;
  type: WebhookEventType;
  timestamp: string;
  /** `mode` is `test` for sandbox checks (test keys): read those with a test key. */
  data: { id: string; status: 'complete' | 'failed' | 'expired'; reference: string | null; mode: 'live' | 'test' };
}

/** A Fetch `Headers` object, or Node's `IncomingHttpHeaders` (`req.headers`). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way (default 300). Replays older than this are rejected. */
  toleranceSeconds?: number;
  /** Current time for the tolerance check (default: the system clock). */
  now?: Date | number;
}

const encoder = new TextEncoder();

/**
 * Verifies a webhook request and returns its parsed event, or throws WebhookVerificationError
 * (answer 400 then, and do not act). Pass the body exactly as received, before any JSON parsing:
 * re-serialised JSON does not match the signature.
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<WebhookEvent> {
  await verifyWebhookSignature(rawBody, headers, secret, options);
  return parseEvent(typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody));
}

/** The Standard Webhooks check alone, for any payload: headers, timestamp tolerance, signature. */
export async function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<void> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    throw new WebhookVerificationError('missing_header', 'webhook-id, webhook-timestamp and webhook-signature headers are required');
  }

  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not a Unix time in seconds');
  const nowMs = options.now === undefined ? Date.now() : typeof options.now === 'number' ? options.now : options.now.getTime();
  const skew = Math.floor(nowMs / 1000) - Number(timestamp);
  const tolerance = options.toleranceSeconds ?? 300;
  if (skew > tolerance) throw new WebhookVerificationError('timestamp_too_old', `webhook-timestamp is ${skew} s old (tolerance ${tolerance} s)`);
  if (-skew > tolerance) throw new WebhookVerificationError('timestamp_too_new', `webhook-timestamp is ${-skew} s in the future (tolerance ${tolerance} s)`);

  const key = await importKey(secret);
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix, 0);
  signed.set(body, prefix.length);

  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const signature = fromBase64(entry.slice(comma + 1));
    if (signature && (await globalThis.crypto.subtle.verify('HMAC', key, signature, signed))) return;
  }
  throw new WebhookVerificationError('no_matching_signature', 'no v1 signature in webhook-signature matches this secret and body');
}

async function importKey(secret: string): Promise<CryptoKey> {
  const bytes = fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  if (!bytes || bytes.length === 0) throw new WebhookVerificationError('invalid_secret', 'the secret is not "whsec_" followed by base64');
  return globalThis.crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function parseEvent(text: string): WebhookEvent {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'the signed body is not JSON');
  }
  const e = event as Partial<WebhookEvent> | null;
  if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || typeof e.type !== 'string' || typeof e.data !== 'object' || e.data === null) {
    throw new WebhookVerificationError('invalid_payload', 'the signed body is not a livecheck event');
  }
  return e as WebhookEvent;
}
