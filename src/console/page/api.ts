// Calls to the console's JSON API: same origin, the session cookie rides along, every change
// carries the CSRF token the session endpoint gave.
import type { Static } from 'typebox';
import type * as S from '../schemas.js';

export type Session = Static<typeof S.SessionView>;
export type CheckSummary = Static<typeof S.CheckSummary>;
export type CheckPage = Static<typeof S.CheckPage>;
export type CaseFile = Static<typeof S.CaseFile>;
export type Overview = Static<typeof S.Overview>;
export type ApiKeyInfo = Static<typeof S.ApiKeyInfo>;
export type CreatedApiKey = Static<typeof S.CreatedApiKey>;
export type Endpoint = Static<typeof S.Endpoint>;
export type CreatedEndpoint = Static<typeof S.CreatedEndpoint>;
export type Delivery = Static<typeof S.Delivery>;
export type TenantSettings = Static<typeof S.TenantSettingsView>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => undefined;

export function useSession(session: Session, signedOut: () => void): void {
  csrfToken = session.csrf_token;
  onSignedOut = signedOut;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    // A session that ended (signed out elsewhere, key revoked, idle) sends the reviewer back to sign-in.
    if (response.status === 401 && path !== '/console/api/session') onSignedOut();
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `request failed (${response.status})`);
  }
  return json as T;
}

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}
