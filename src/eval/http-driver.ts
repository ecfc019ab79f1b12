// Plays one capture session against a running livecheck over the public HTTP API and the capture
// protocol, exactly as a backend and a capture client would, and reads the decision back.
import type { Challenge } from '../engine/types.js';
import type { AttemptRow } from './report.js';

export interface ServiceEndpoint {
  baseUrl: string;
  apiKey: string;
}

export interface SessionToPlay {
  frames: Array<{ t: number; step: number; jpeg: Buffer }>;
}

export interface AttemptSpec {
  species: string;
  face: string;
  seed: number;
  /** Makes the frames once the server has drawn the challenge. */
  makeSession: (challenge: Challenge) => Promise<SessionToPlay>;
  /**
   * Upload each batch when its last frame would have been taken (the frames' `t`), as a capture client
   * does, so that streaming analysis runs during capture and finish → result measures only what is left
   * after it. Without pacing every frame arrives at once and the latency is the whole analysis.
   */
  paced?: boolean;
}

const BATCH = 4;

async function call(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  return res;
}

async function expectStatus(res: Response, status: number, what: string): Promise<unknown> {
  const body = (await res.json()) as unknown;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function playAttempt(service: ServiceEndpoint, spec: AttemptSpec): Promise<AttemptRow> {
  const auth = { authorization: `Bearer ${service.apiKey}`, 'content-type': 'application/json' };
  const created = (await expectStatus(
    await call(`${service.baseUrl}/liveness_check`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ retain_image: false, reference: `eval:${spec.species}:${spec.face}:${spec.seed}` }),
    }),
    201,
    'create',
  )) as { token: string; url: string };
  const captureId = new URL(created.url).pathname.split('/').pop() ?? '';
  const capture = `${service.baseUrl}/v1/capture/${captureId}`;
  const json = { 'content-type': 'application/json' };
  const started = (await expectStatus(await call(`${capture}/start`, { method: 'POST', headers: json, body: '{}' }), 200, 'start')) as {
    challenge: Challenge;
  };
  const session = await spec.makeSession(started.challenge);
  const captureStarted = performance.now();
  for (let i = 0; i < session.frames.length; i += BATCH) {
    const batch = session.frames.slice(i, i + BATCH);
    const due = captureStarted + (batch.at(-1)?.t ?? 0);
    if (spec.paced && due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    const frames = batch.map((f) => ({ t: f.t, step: f.step, image: `data:image/jpeg;base64,${f.jpeg.toString('base64')}` }));
    await expectStatus(await call(`${capture}/frames`, { method: 'POST', headers: json, body: JSON.stringify({ frames }) }), 202, 'frames');
  }
  const finishedAt = performance.now();
  await expectStatus(await call(`${capture}/finish`, { method: 'POST', headers: json, body: '{}' }), 202, 'finish');
  for (;;) {
    const res = await call(`${service.baseUrl}/liveness_check?token=${created.token}`, { headers: auth });
    if (res.status === 202) {
      await res.arrayBuffer();
      if (performance.now() - finishedAt > 120_000) throw new Error('no decision within 120 s');
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    const decisionLatencyMs = performance.now() - finishedAt;
    const body = (await res.json()) as { status: string; result?: { passed: boolean; confidence: number; failure_reason?: string } };
    return {
      species: spec.species,
      face: spec.face,
      seed: spec.seed,
      challenge: started.challenge.steps,
      httpStatus: res.status,
      status: body.status,
      passed: body.result?.passed === true,
      confidence: body.result?.confidence ?? null,
      failureReason: body.result?.failure_reason ?? null,
      frames: session.frames.length,
      decisionLatencyMs,
    };
  }
}
