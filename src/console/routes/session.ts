// Sign-in, the current session and sign-out.
import { errorRef } from '../../api/schemas.js';
import type { App } from '../../api/types.js';
import { assertSameOrigin, clearSessionCookie, principalOf, requireConsoleSession, setSessionCookie } from '../http-session.js';
import { SessionView, SignInBody } from '../schemas.js';
import { type ConsolePrincipal, csrfTokenFor } from '../sessions.js';
import { type ConsoleRouteDeps, consoleTags } from './deps.js';

function view(principal: ConsolePrincipal, csrfToken: string) {
  return { principal: principal.kind, tenant: principal.kind === 'tenant' ? principal.tenant : null, csrf_token: csrfToken };
}

export function registerConsoleSession(app: App, deps: ConsoleRouteDeps): void {
  const session = { onRequest: requireConsoleSession(deps.sessions) };

  app.post(
    '/console/api/session',
    {
      // A cross-site page must not sign a reviewer in to an account of its choosing (login CSRF).
      onRequest: async (request) => assertSameOrigin(request),
      schema: { ...consoleTags, summary: 'Sign in to the console with a tenant API key or the admin key', body: SignInBody, response: { 201: SessionView, 400: errorRef, 401: errorRef, 403: errorRef } },
    },
    async (request, reply) => {
      const opened = await deps.sessions.signIn(request.body.key);
      setSessionCookie(reply, request, deps.cookies, opened.secret, deps.sessionMaxAgeSeconds);
      return reply.status(201).send(view(opened.principal, opened.csrfToken));
    },
  );

  app.get(
    '/console/api/session',
    { ...session, schema: { ...consoleTags, summary: 'Who is signed in, and the CSRF token for changes', response: { 200: SessionView, 401: errorRef } } },
    async (request) => view(principalOf(request), csrfTokenFor(request.consoleSecret ?? '')),
  );

  app.delete(
    '/console/api/session',
    { ...session, schema: { ...consoleTags, summary: 'Sign out: the session ends on the server', response: { 204: { type: 'null' }, 401: errorRef, 403: errorRef } } },
    async (request, reply) => {
      await deps.sessions.signOut(request.consoleSecret ?? '');
      clearSessionCookie(reply, request, deps.cookies);
      return reply.status(204).send(null);
    },
  );
}
