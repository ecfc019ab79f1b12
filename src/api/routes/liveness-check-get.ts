import { requireTenant, tenantOf } from '../auth.js';
import { CheckDone, CheckExpired, CheckOpen, TokenQuery, errorRef } from '../schemas.js';
import { tokenOf } from '../token-query.js';
import type { ApiDeps, App } from '../types.js';

/** Seconds a poller should wait before asking again while a check is open. */
export const RETRY_AFTER_SECONDS = 3;

export function registerGetCheck(app: App, deps: ApiDeps): void {
  app.get(
    '/liveness_check',
    {
      schema: {
        tags: ['checks'],
        summary: 'Retrieve a liveness check result',
        description:
          'Safe and idempotent. 202 while pending or in progress (honour Retry-After; back off from 2–3 s), 200 when complete or failed, 410 when the link expired unused, 400 for a malformed, unknown or foreign token. Never trust the `lc_token` on the redirect: call this.',
        security: [{ bearer: [] }],
        querystring: TokenQuery,
        response: { 200: CheckDone, 202: CheckOpen, 400: errorRef, 401: errorRef, 410: CheckExpired },
      },
      onRequest: requireTenant(deps.keys),
      // A too long or repeated token is refused like an unknown one (token-query.ts).
      attachValidation: true,
    },
    async (request, reply) => {
      const view = await deps.checks.get(tenantOf(request), tokenOf(request));
      switch (view.state) {
        case 'open':
          return reply.status(202).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ id: view.id, status: view.status, mode: view.mode, expires_at: view.expires_at });
        case 'expired':
          return reply.status(410).send({ id: view.id, status: view.status, mode: view.mode });
        case 'done':
          return reply.status(200).send({ id: view.id, status: view.status, mode: view.mode, ...(view.reference ? { reference: view.reference } : {}), result: view.result });
      }
    },
  );
}
