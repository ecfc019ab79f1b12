// Webhook signatures: the server's signWebhook and the SDK's verifyWebhook against the Standard
// Webhooks specification's published test vector, against each other, and over real HTTP.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError, verifyWebhook, verifyWebhookSignature } from '../../packages/client/src/index.js';
import { signWebhook, webhookKey } from '../../src/webhooks/signature.js';

// From the Standard Webhooks specification (and its reference libraries' tests).
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const SPEC_NOW = SPEC.timestamp * 1000;
const specHeaders = (signature = SPEC.signature) => ({ 'webhook-id': SPEC.id, 'webhook-timestamp': String(SPEC.timestamp), 'webhook-signature': signature });

const OTHER_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

const livecheckEvent = JSON.stringify({
  id: 'msg_0123456789abcdef0123456789abcdef',
  type: 'liveness_check.completed',
  timestamp: '2026-03-01T12:00:00.000Z',
  data: { id: '7a8a4f0e-8d0b-4c8e-9f57-1f7d1d2b9c11', status: 'complete', reference: 'order-42', mode: 'live' },
});

async function rejection(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebhookVerificationError)) throw new Error(`expected a WebhookVerificationError, got ${String(error)}`);
  return error;
}

describe('Standard Webhooks test vector', () => {
  it('the server signs it exactly as published', () => {
    expect(signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.payload)).toEqual(specHeaders());
    expect(signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, Buffer.from(SPEC.payload))['webhook-signature']).toBe(SPEC.signature);
  });

  it('the SDK accepts it', async () => {
    await expect(verifyWebhookSignature(SPEC.payload, specHeaders(), SPEC.secret, { now: SPEC_NOW })).resolves.toBeUndefined();
    // As bytes, with Fetch Headers, and with the secret's bare base64 part.
    await expect(verifyWebhookSignature(new TextEncoder().encode(SPEC.payload), new Headers(specHeaders()), SPEC.secret.slice(6), { now: new Date(SPEC_NOW) })).resolves.toBeUndefined();
    // Node's req.headers spelling differences do not matter.
    await expect(verifyWebhookSignature(SPEC.payload, { 'Webhook-Id': SPEC.id, 'WEBHOOK-TIMESTAMP': String(SPEC.timestamp), 'webhook-signature': [SPEC.signature] }, SPEC.secret, { now: SPEC_NOW })).resolves.toBeUndefined();
  });

  it('verifyWebhook accepts the signature but refuses a body that is no livecheck event', async () => {
    expect((await rejection(verifyWebhook(SPEC.payload, specHeaders(), SPEC.secret, { now: SPEC_NOW }))).reason).toBe('invalid_payload');
  });

  it('a tampered body fails', async () => {
    for (const body of ['{"test": 2432232315}', '{"test":2432232314}', `${SPEC.payload} `]) {
      expect((await rejection(verifyWebhookSignature(body, specHeaders(), SPEC.secret, { now: SPEC_NOW }))).reason).toBe('no_matching_signature');
    }
  });

  it('a tampered id or timestamp fails', async () => {
    const headers = { ...specHeaders(), 'webhook-id': 'msg_other' };
    expect((await rejection(verifyWebhookSignature(SPEC.payload, headers, SPEC.secret, { now: SPEC_NOW }))).reason).toBe('no_matching_signature');
    const later = { ...specHeaders(), 'webhook-timestamp': String(SPEC.timestamp + 1) };
    expect((await rejection(verifyWebhookSignature(SPEC.payload, later, SPEC.secret, { now: SPEC_NOW }))).reason).toBe('no_matching_signature');
  });

  it('the wrong secret fails', async () => {
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(), OTHER_SECRET, { now: SPEC_NOW }))).reason).toBe('no_matching_signature');
  });

  it('a timestamp outside the tolerance fails, either way', async () => {
    await expect(verifyWebhookSignature(SPEC.payload, specHeaders(), SPEC.secret, { now: SPEC_NOW + 300_000 })).resolves.toBeUndefined();
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(), SPEC.secret, { now: SPEC_NOW + 301_000 }))).reason).toBe('timestamp_too_old');
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(), SPEC.secret, { now: SPEC_NOW - 301_000 }))).reason).toBe('timestamp_too_new');
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(), SPEC.secret, { now: SPEC_NOW + 61_000, toleranceSeconds: 60 }))).reason).toBe('timestamp_too_old');
    // Against the real clock, the 2021 vector is long stale.
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(), SPEC.secret))).reason).toBe('timestamp_too_old');
  });

  it('several signatures (a rotation): any one valid v1 entry passes; other versions and garbage are skipped', async () => {
    const bogus = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    for (const header of [`${bogus} ${SPEC.signature}`, `${SPEC.signature} ${bogus}`, `v2,abc v1,!!notbase64!! ${SPEC.signature}`]) {
      await expect(verifyWebhookSignature(SPEC.payload, specHeaders(header), SPEC.secret, { now: SPEC_NOW })).resolves.toBeUndefined();
    }
    // The vector's signature labelled with another version is not accepted.
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(SPEC.signature.replace('v1,', 'v1a,')), SPEC.secret, { now: SPEC_NOW }))).reason).toBe('no_matching_signature');
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(bogus), SPEC.secret, { now: SPEC_NOW }))).reason).toBe('no_matching_signature');
  });

  it('missing headers, a malformed timestamp or secret are refused with their own reasons', async () => {
    const { 'webhook-signature': _omit, ...unsigned } = specHeaders();
    expect((await rejection(verifyWebhookSignature(SPEC.payload, unsigned, SPEC.secret, { now: SPEC_NOW }))).reason).toBe('missing_header');
    expect((await rejection(verifyWebhookSignature(SPEC.payload, { ...specHeaders(), 'webhook-timestamp': '1614265330.5' }, SPEC.secret, { now: SPEC_NOW }))).reason).toBe('invalid_timestamp');
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(), 'whsec_', { now: SPEC_NOW }))).reason).toBe('invalid_secret');
    expect((await rejection(verifyWebhookSignature(SPEC.payload, specHeaders(), 'whsec_not base64!', { now: SPEC_NOW }))).reason).toBe('invalid_secret');
    expect(() => webhookKey('whsec_not base64!')).toThrow(/base64/);
  });
});

describe('server signWebhook with SDK verifyWebhook', () => {
  const now = Date.parse('2026-03-01T12:00:05Z');
  const timestamp = Math.floor(now / 1000);

  it('round-trips a livecheck event and returns it parsed', async () => {
    const headers = signWebhook(SPEC.secret, 'msg_0123456789abcdef0123456789abcdef', timestamp, livecheckEvent);
    const event = await verifyWebhook(livecheckEvent, headers, SPEC.secret, { now });
    expect(event).toEqual(JSON.parse(livecheckEvent));
    expect(event.type).toBe('liveness_check.completed');
    expect(event.data.reference).toBe('order-42');
  });

  it('during a rotation both the new and the old secret verify; a third does not', async () => {
    const headers = signWebhook([OTHER_SECRET, SPEC.secret], 'msg_rotation', timestamp, livecheckEvent);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    await expect(verifyWebhook(livecheckEvent, headers, OTHER_SECRET, { now })).resolves.toMatchObject({ type: 'liveness_check.completed' });
    await expect(verifyWebhook(livecheckEvent, headers, SPEC.secret, { now })).resolves.toMatchObject({ type: 'liveness_check.completed' });
    const third = 'whsec_dGhpcmQgc2VjcmV0IHRoaXJkIHNlY3JldCB0aGlyZA==';
    expect((await rejection(verifyWebhook(livecheckEvent, headers, third, { now }))).reason).toBe('no_matching_signature');
  });

  it('refuses ids or timestamps that would make the signed content ambiguous', () => {
    expect(() => signWebhook(SPEC.secret, 'msg.1', timestamp, '{}')).toThrow();
    expect(() => signWebhook(SPEC.secret, 'msg_1', 1.5, '{}')).toThrow();
    expect(() => signWebhook([], 'msg_1', timestamp, '{}')).toThrow();
  });

  it('over real HTTP: a receiver verifying the raw body accepts a signed delivery and rejects a replay with another body', async () => {
    const outcomes: Array<{ ok: boolean; reason?: string }> = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        verifyWebhook(Buffer.concat(chunks), request.headers, SPEC.secret).then(
          () => {
            outcomes.push({ ok: true });
            response.writeHead(204).end();
          },
          (error: unknown) => {
            outcomes.push({ ok: false, reason: error instanceof WebhookVerificationError ? error.reason : String(error) });
            response.writeHead(400).end();
          },
        );
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    try {
      const headers = signWebhook(SPEC.secret, 'msg_http', Math.floor(Date.now() / 1000), livecheckEvent);
      const ok = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: livecheckEvent });
      expect(ok.status).toBe(204);
      const forged = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: livecheckEvent.replace('"status":"complete"', '"status":"failed"') });
      expect(forged.status).toBe(400);
      expect(outcomes).toEqual([{ ok: true }, { ok: false, reason: 'no_matching_signature' }]);
    } finally {
      receiver.close();
    }
  });
});
