// Webhook signing secrets (Standard Webhooks `whsec_` + base64 key), kept sealed because every
// delivery needs them in clear. A rotation keeps the previous secret signing for a day, so a
// receiver can switch to the new one without rejecting events in between.
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.js';

export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface SigningSecret {
  secret: string;
  /** When a replaced secret stops signing; null for the current one. */
  expires_at: number | null;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function sealSecrets(box: SecretBox, secrets: SigningSecret[]): Buffer {
  return box.encryptText(JSON.stringify(secrets));
}

export function openSecrets(box: SecretBox, sealed: Buffer): SigningSecret[] {
  return JSON.parse(box.decryptText(sealed)) as SigningSecret[];
}

/** The secrets that sign a delivery made at `now`, newest first. */
export function signingSecrets(secrets: SigningSecret[], now: number): string[] {
  return secrets.filter((s) => s.expires_at === null || s.expires_at > now).map((s) => s.secret);
}

/** A new current secret; the replaced ones keep signing until at most a day from now. */
export function rotateSecrets(secrets: SigningSecret[], now: number): { secrets: SigningSecret[]; secret: string; previousExpiresAt: number } {
  const secret = newWebhookSecret();
  const previousExpiresAt = now + ROTATION_OVERLAP_MS;
  const previous = secrets
    .filter((s) => s.expires_at === null || s.expires_at > now)
    .map((s) => ({ secret: s.secret, expires_at: Math.min(s.expires_at ?? previousExpiresAt, previousExpiresAt) }));
  return { secrets: [{ secret, expires_at: null }, ...previous], secret, previousExpiresAt };
}
