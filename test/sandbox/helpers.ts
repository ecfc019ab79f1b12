// Shared by the sandbox tests: creating checks and simulating outcomes over HTTP.
import { expect } from 'vitest';
import type { TestService } from '../helpers/service.js';

export interface Created {
  id: string;
  token: string;
  url: string;
  mode: string;
  status: string;
}

export async function createCheck(t: TestService, key: string, body: object = {}, headers: Record<string, string> = {}): Promise<Created> {
  const res = await t.request('/liveness_check', { method: 'POST', key, json: body, headers });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Created;
}

export function simulate(t: TestService, key: string | undefined, id: string, body: object): Promise<Response> {
  return t.request(`/v1/sandbox/liveness_check/${id}/simulate`, { method: 'POST', ...(key === undefined ? {} : { key }), json: body });
}

export async function read(t: TestService, key: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await t.request(`/liveness_check?token=${token}`, { key });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export function captureIdOf(url: string): string {
  const id = new URL(url).pathname.split('/').pop();
  if (!id) throw new Error(`no capture id in ${url}`);
  return id;
}

/** The JPEG inside a data URI, checked to be one (SOI marker) and returned. */
export function jpegOf(dataUri: unknown): Buffer {
  expect(typeof dataUri).toBe('string');
  const match = /^data:image\/jpeg;base64,([A-Za-z0-9+/=]+)$/.exec(String(dataUri));
  expect(match).not.toBeNull();
  const bytes = Buffer.from(match?.[1] ?? '', 'base64');
  expect(bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  return bytes;
}
