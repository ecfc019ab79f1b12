// Shared by the webhook tests: a real HTTP receiver on 127.0.0.1, the Standard Webhooks signature
// check written out from the specification (independently of src/webhooks), and check helpers.
import type { DeliveryView } from '../../src/webhooks/webhooks.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_KEY, type TestService } from '../helpers/service.js';

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedWebhook[];
  /** Statuses for the next requests, in order; 200 once they run out. */
  respondWith(...statuses: number[]): void;
  /** Forgets the statuses not yet used: 200 from now on. */
  clearAnswers(): void;
  /** Answers every request with a redirect to `location`. */
  redirectTo(location: string | undefined): void;
  /** Holds each answer back this long, as a slow receiver does. */
  delayAnswers(ms: number): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedWebhook[] = [];
  const queue: number[] = [];
  let redirect: string | undefined;
  let delayMs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = () => {
        if (redirect) res.writeHead(307, { location: redirect }).end();
        else res.writeHead(queue.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok');
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/livecheck`,
    port,
    requests,
    respondWith: (...statuses) => queue.push(...statuses),
    clearAnswers: () => {
      queue.length = 0;
    },
    redirectTo: (location) => {
      redirect = location;
    },
    delayAnswers: (ms) => {
      delayMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `v1,` signatures of a webhook-signature header. */
export function signaturesOf(header: string | string[] | undefined): string[] {
  return String(header ?? '')
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => s.slice(3));
}

/** Standard Webhooks: base64(HMAC-SHA256(base64decode(secret without whsec_), `${id}.${timestamp}.${body}`)). */
export function signedBy(secret: string, received: ReceivedWebhook): boolean {
  const id = String(received.headers['webhook-id']);
  const timestamp = String(received.headers['webhook-timestamp']);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${received.body}`).digest();
  return signaturesOf(received.headers['webhook-signature']).some((sig) => {
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Polls until `probe` returns a value (not undefined/false), in real time, gently enough for the rate limits. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Endpoint {
  id: string;
  tenant: string;
  url: string;
  secret: string;
  created_at: string;
}

/** The delivery log entry as the admin API returns it. */
export type DeliveryLog = DeliveryView;

/**
 * Whether the log entry shows attempt `attempts` finished and recorded. A claim counts the attempt
 * at once; until its outcome is written the entry still carries the previous due time.
 */
export function attemptRecorded(entry: DeliveryLog | undefined, attempts: number): entry is DeliveryLog {
  if (!entry || entry.attempts !== attempts) return false;
  if (entry.status !== 'pending') return true;
  return entry.next_attempt_at !== null && entry.last_attempt_at !== null && Date.parse(entry.next_attempt_at) > Date.parse(entry.last_attempt_at);
}

export async function createEndpoint(t: TestService, tenant: string, url: string): Promise<Endpoint> {
  const res = await t.request('/admin/webhook_endpoints', { method: 'POST', key: ADMIN_KEY, json: { tenant, url } });
  if (res.status !== 201) throw new Error(`creating an endpoint failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Endpoint;
}

export async function endpointLog(t: TestService, endpointId: string): Promise<DeliveryLog[]> {
  const res = await t.request(`/admin/webhook_endpoints/${endpointId}/deliveries`, { key: ADMIN_KEY });
  if (res.status !== 200) throw new Error(`reading deliveries failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { deliveries: DeliveryLog[] }).deliveries;
}

export async function tenantLog(t: TestService, tenant: string, checkId?: string): Promise<DeliveryLog[]> {
  const query = new URLSearchParams({ tenant, ...(checkId ? { check_id: checkId } : {}) });
  const res = await t.request(`/admin/webhook_deliveries?${query}`, { key: ADMIN_KEY });
  if (res.status !== 200) throw new Error(`reading deliveries failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { deliveries: DeliveryLog[] }).deliveries;
}

/** Creates a check and lets its link run out: the read answers 410 and writes liveness_check.expired. */
export async function expiredCheck(t: TestService, key: string, options: object = {}): Promise<{ id: string; token: string }> {
  const res = await t.request('/liveness_check', { method: 'POST', key, json: { expires_in: 60, ...options } });
  if (res.status !== 201) throw new Error(`creating a check failed: ${res.status} ${await res.text()}`);
  const check = (await res.json()) as { id: string; token: string };
  t.clock.advance(61_000);
  const read = await t.request(`/liveness_check?token=${check.token}`, { key });
  if (read.status !== 410) throw new Error(`expected the check to have expired, got ${read.status}`);
  return check;
}

/** Moves time past the next retry and lets the worker look at once instead of at its next poll. */
export function skipBackoff(t: TestService, ms: number): void {
  t.clock.advance(ms);
  t.service.webhookWorker?.wake();
}
