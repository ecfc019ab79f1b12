// Helpers for the SDK tests: a clock that records delays instead of waiting, a flaky HTTP proxy in
// front of the real service, and a capture driven to its end through the real protocol.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { Clock } from '../../packages/client/src/index.js';
import type { TestService } from '../helpers/service.js';

/**
 * Time that moves only by what the code under test sleeps. Each sleep is recorded, then yields for
 * `realMs` of real time so that the service's own background work (analysis) can progress.
 */
export class RecordingClock implements Clock {
  readonly sleeps: number[] = [];
  private current = Date.parse('2026-03-01T12:00:00Z');
  private randoms: number[];

  constructor(options: { random?: number[] | (() => number); realMs?: number } = {}) {
    this.randoms = Array.isArray(options.random) ? [...options.random] : [];
    if (typeof options.random === 'function') this.random = options.random;
    this.realMs = options.realMs ?? 0;
  }

  private readonly realMs: number;

  now(): number {
    return this.current;
  }

  random(): number {
    return this.randoms.length > 0 ? (this.randoms.shift() as number) : 0.5;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.current += ms;
    await new Promise((resolve) => setTimeout(resolve, this.realMs));
    signal?.throwIfAborted();
  }
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface ProxyBehaviour {
  /** Which requests may be failed (default: all). */
  match?: (request: RecordedRequest) => boolean;
  /** How many matching requests fail before the proxy passes everything through. */
  failures: number;
  /**
   * `503`: answer 503 without forwarding; `503-after-forwarding`: forward, then answer 503 instead
   * of the real answer (a lost response); `reset`: destroy the connection without an answer.
   */
  mode: '503' | '503-after-forwarding' | 'reset';
  /** Replace Retry-After on 202 answers (seconds), as a slower service might ask. */
  retryAfterSeconds?: number;
}

export interface FlakyProxy {
  url: string;
  requests: RecordedRequest[];
  /** Requests the proxy failed on purpose since the last `set`. */
  failed: number;
  set(behaviour: ProxyBehaviour): void;
  close(): Promise<void>;
}

/** A real HTTP proxy in front of the service that fails the first N requests as told. */
export async function startFlakyProxy(upstream: string, initial: ProxyBehaviour = { failures: 0, mode: '503' }): Promise<FlakyProxy> {
  let behaviour = initial;
  let failuresLeft = initial.failures;
  const state = { requests: [] as RecordedRequest[], failed: 0 };

  const forward = async (request: IncomingMessage, body: Buffer) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || name === 'host' || name === 'connection' || name === 'content-length') continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    return fetch(`${upstream}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers,
      body: body.length > 0 ? new Uint8Array(body) : undefined,
      redirect: 'manual',
    });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const recorded = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers };
    state.requests.push(recorded);
    const fail = failuresLeft > 0 && (behaviour.match?.(recorded) ?? true);
    if (fail) {
      failuresLeft--;
      state.failed++;
      if (behaviour.mode === 'reset') {
        request.socket.destroy();
        return;
      }
      if (behaviour.mode === '503-after-forwarding') await (await forward(request, body)).arrayBuffer();
      response.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable');
      return;
    }
    const upstreamResponse = await forward(request, body);
    const payload = Buffer.from(await upstreamResponse.arrayBuffer());
    const headers: Record<string, string> = {};
    upstreamResponse.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection' && name !== 'content-encoding') headers[name] = value;
    });
    if (upstreamResponse.status === 202 && behaviour.retryAfterSeconds !== undefined) headers['retry-after'] = String(behaviour.retryAfterSeconds);
    response.writeHead(upstreamResponse.status, headers).end(payload);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get failed() {
      return state.failed;
    },
    set(next) {
      behaviour = next;
      failuresLeft = next.failures;
      state.failed = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A local port nobody listens on: connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let blankFrame: Promise<string> | undefined;

/** A grey 640×480 JPEG: a frame in which the models find no face. */
export function blankFrameUri(): Promise<string> {
  blankFrame ??= sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 90, g: 110, b: 120 } } })
    .jpeg()
    .toBuffer()
    .then((jpeg) => `data:image/jpeg;base64,${jpeg.toString('base64')}`);
  return blankFrame;
}

/** Runs the capture protocol of a check's link with a few blank frames and finishes it. */
export async function captureBlankSession(t: TestService, captureUrl: string, frames = 6): Promise<void> {
  const captureId = new URL(captureUrl).pathname.replace('/c/', '');
  const start = await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
  if (start.status !== 200) throw new Error(`capture start: ${start.status} ${await start.text()}`);
  const { challenge } = (await start.json()) as { challenge: { steps: string[] } };
  const image = await blankFrameUri();
  const batch = Array.from({ length: frames }, (_, i) => ({ t: i * 200, step: Math.min(challenge.steps.length - 1, i - 1), image }));
  const sent = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: batch } });
  if (sent.status !== 202) throw new Error(`capture frames: ${sent.status} ${await sent.text()}`);
  const finish = await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' });
  if (finish.status !== 202) throw new Error(`capture finish: ${finish.status} ${await finish.text()}`);
}

/** Starts a capture without finishing it: the check is in_progress. */
export async function startCapture(t: TestService, captureUrl: string): Promise<void> {
  const captureId = new URL(captureUrl).pathname.replace('/c/', '');
  const start = await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
  if (start.status !== 200) throw new Error(`capture start: ${start.status} ${await start.text()}`);
}
