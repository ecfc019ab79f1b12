// The console's session over HTTP: an HttpOnly, SameSite=Strict cookie (Secure behind TLS) holding
// the session secret, and CSRF protection on every change: the request must carry the session's
// token in X-CSRF-Token and, when the browser says where it comes from, come from this origin.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LivecheckError } from '../errors.js';
import { secretsEqual } from '../security/secrets.js';
import { type ConsolePrincipal, type ConsoleSessions, csrfTokenFor } from './sessions.js';

export const SESSION_COOKIE = 'lc_console';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    consolePrincipal?: ConsolePrincipal;
    consoleSecret?: string;
  }
}

export interface CookiePolicy {
  /** Mark the cookie Secure although the request came in over plain HTTP (LIVECHECK_PUBLIC_URL is https: a TLS proxy in front). */
  alwaysSecure: boolean;
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function secure(request: FastifyRequest, policy: CookiePolicy): boolean {
  return policy.alwaysSecure || request.protocol === 'https';
}

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, policy: CookiePolicy, secret: string, maxAgeSeconds: number): void {
  const attributes = [`${SESSION_COOKIE}=${secret}`, 'Path=/console', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (secure(request, policy)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, policy: CookiePolicy): void {
  const attributes = [`${SESSION_COOKIE}=`, 'Path=/console', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0'];
  if (secure(request, policy)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Browsers send Origin on every cross-site request and Sec-Fetch-Site where supported; a change
 * that says it comes from elsewhere is refused even before the token is looked at.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    throw new LivecheckError('forbidden', 'cross-site requests are refused');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== request.headers.host) throw new LivecheckError('forbidden', 'cross-origin requests are refused');
}

/** onRequest hook for /console/api routes that need a session: sets request.consolePrincipal. */
export function requireConsoleSession(sessions: ConsoleSessions) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const secret = readCookie(request, SESSION_COOKIE);
    const principal = secret ? await sessions.authenticate(secret) : undefined;
    if (!secret || !principal) throw new LivecheckError('unauthorized', 'sign in to the console first');
    if (!SAFE_METHODS.has(request.method)) {
      assertSameOrigin(request);
      const token = request.headers[CSRF_HEADER];
      if (typeof token !== 'string' || !secretsEqual(token, csrfTokenFor(secret))) {
        throw new LivecheckError('forbidden', `send the session's CSRF token in ${CSRF_HEADER}`);
      }
    }
    request.consolePrincipal = principal;
    request.consoleSecret = secret;
  };
}

export function principalOf(request: FastifyRequest): ConsolePrincipal {
  if (!request.consolePrincipal) throw new Error('route is missing requireConsoleSession');
  return request.consolePrincipal;
}
