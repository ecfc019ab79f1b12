// Signs webhook deliveries per the Standard Webhooks specification, the sending half of
// `verifyWebhook` in @livecheck/client: HMAC-SHA256 over `id.timestamp.body`, keyed with the bytes of
// the base64 part of each `whsec_…` secret, one `v1,<base64>` entry per secret so that receivers keep
// verifying while a secret rotates.
import { createHmac } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

// A type, not an interface, so that it passes as a plain header record (fetch, http.request).
export type WebhookSignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * The three headers of one delivery attempt. `timestamp` is Unix seconds of the attempt (not of
 * the event), so that a retry a day later still passes the receiver's tolerance; `body` is the exact
 * bytes sent. With several secrets (newest first during a rotation) the signatures are space-separated.
 */
export function signWebhook(secrets: string | readonly string[], id: string, timestamp: number, body: string | Uint8Array): WebhookSignatureHeaders {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new Error('signWebhook needs at least one secret');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error(`webhook timestamp must be whole Unix seconds, got ${timestamp}`);
  if (!id || /[\s.]/.test(id)) throw new Error('webhook id must be non-empty, without dots or spaces');
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), typeof body === 'string' ? Buffer.from(body) : body]);
  const signature = list.map((secret) => `v1,${createHmac('sha256', webhookKey(secret)).update(signed).digest('base64')}`).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

/** The HMAC key of a `whsec_…` secret. Throws on anything that is not prefix + base64. */
export function webhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  // Buffer's decoder skips invalid characters silently; a typo must not become another key.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) throw new Error('a webhook secret is "whsec_" followed by base64');
  return Buffer.from(encoded, 'base64');
}
