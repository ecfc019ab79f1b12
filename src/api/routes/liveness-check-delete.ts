// Right to erasure: the tenant's backend deletes a check and all its data now. Afterwards the token
// is unknown, exactly like one that never existed (or belongs to another tenant).
import { requireTenant, tenantOf } from '../auth.js';
import { TokenQuery, errorRef } from '../schemas.js';
import { tokenOf } from '../token-query.js';
import type { ApiDeps, App } from '../types.js';

export function registerDeleteCheck(app: App, deps: ApiDeps): void {
  app.delete(
    '/liveness_check',
    {
      schema: {
        tags: ['checks'],
        summary: 'Erase a liveness check and all its data',
        description:
          'Deletes the check now, whatever its status: result, probe and audit images, frames, queued jobs and webhook events. Answers 204; afterwards the token is unknown (400), as is a malformed, unknown or foreign token. The audit log keeps only that the check id was erased, by whom and when.',
        security: [{ bearer: [] }],
        querystring: TokenQuery,
        response: { 204: { type: 'null', description: 'Erased' }, 400: errorRef, 401: errorRef, 429: errorRef },
      },
      // Authentication before validation: without a key, nothing about the request is looked at.
      onRequest: requireTenant(deps.keys),
      // A too long or repeated token is refused like an unknown one (token-query.ts).
      attachValidation: true,
    },
    async (request, reply) => {
      await deps.checks.erase(tenantOf(request), tokenOf(request));
      return reply.status(204).send(null);
    },
  );
}
