// Console tests: signing in over HTTP like a browser (cookie + CSRF token), and a check completed
// through the real capture protocol with real frames of a still photo and the real models.
import { expect } from 'vitest';
import { sendFrames } from '../helpers/capture.js';
import { cameraFrame, dataUri, portraitPath } from '../helpers/faces.js';
import type { TestService } from '../helpers/service.js';

export interface ConsoleSession {
  cookie: string;
  csrf: string;
  setCookie: string;
  principal: string;
  tenant: string | null;
}

export async function signIn(t: TestService, key: string): Promise<ConsoleSession> {
  const res = await t.request('/console/api/session', { method: 'POST', json: { key } });
  if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { principal: string; tenant: string | null; csrf_token: string };
  return { cookie: setCookie.split(';')[0] ?? '', csrf: body.csrf_token, setCookie, principal: body.principal, tenant: body.tenant };
}

/** A request as the console's own script sends it: the cookie, and the CSRF token on changes. */
export function consoleFetch(t: TestService, session: ConsoleSession | undefined, path: string, init: RequestInit & { json?: unknown; csrf?: boolean } = {}) {
  const headers = new Headers(init.headers);
  if (session) headers.set('cookie', session.cookie);
  const method = init.method ?? 'GET';
  if (session && method !== 'GET' && init.csrf !== false) headers.set('x-csrf-token', session.csrf);
  return t.request(path, { ...init, headers });
}

export async function consoleJson<T>(t: TestService, session: ConsoleSession, path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const res = await consoleFetch(t, session, path, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface CreatedCheck {
  id: string;
  token: string;
  url: string;
}

export async function createCheck(t: TestService, key: string, json: object = {}): Promise<CreatedCheck> {
  const res = await t.request('/liveness_check', { method: 'POST', key, json });
  if (res.status !== 201) throw new Error(`creating a check failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedCheck;
}

export const captureIdOf = (url: string) => new URL(url).pathname.replace('/c/', '');

let stillFrames: Promise<Buffer[]> | undefined;

/** A photo held in front of the camera: the same face, shifted by a hand's tremor. */
function still(): Promise<Buffer[]> {
  return (stillFrames ??= Promise.all(Array.from({ length: 16 }, (_, i) => cameraFrame(portraitPath(), (i * 7) % 13, (i * 5) % 11))));
}

export interface BoxResult {
  status: number;
  body: { id: string; status: string; reference?: string; result: { passed: boolean; bounding_box?: { left: number; top: number; width: number; height: number }; image?: string; audit_images?: Array<{ bounding_box: object }>; failure_reason?: string } };
}

/** Creates a check and completes it through the capture protocol with a still photo; returns the API's answer. */
export async function completeStillPhotoCheck(t: TestService, key: string, json: object = {}): Promise<{ check: CreatedCheck; result: BoxResult }> {
  const check = await createCheck(t, key, { audit_images: 2, ...json });
  const captureId = captureIdOf(check.url);
  const started = await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
  expect(started.status).toBe(200);
  const steps = ((await started.json()) as { challenge: { steps: string[] } }).challenge.steps.length;
  await sendFrames(t, captureId, steps, await still());
  expect((await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await t.request(`/liveness_check?token=${check.token}`, { key });
    if (res.status !== 202) return { check, result: { status: res.status, body: (await res.json()) as BoxResult['body'] } };
    if (Date.now() > deadline) throw new Error('no result in time');
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
