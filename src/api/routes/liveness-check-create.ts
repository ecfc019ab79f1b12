import { requireTenant, tenantOf } from '../auth.js';
import { CreateCheckBody, CreatedCheck, errorRef } from '../schemas.js';
import { Type } from 'typebox';
import type { ApiDeps, App } from '../types.js';

export function registerCreateCheck(app: App, deps: ApiDeps): void {
  app.post(
    '/liveness_check',
    {
      schema: {
        tags: ['checks'],
        summary: 'Create a liveness check',
        description:
          'Returns a token (keep it on your server) and a capture link for the user. Send an `Idempotency-Key` header to make retries safe: the same key with the same body returns the same check.',
        security: [{ bearer: [] }],
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
        body: CreateCheckBody,
        response: { 201: CreatedCheck, 400: errorRef, 401: errorRef, 422: errorRef },
      },
      onRequest: requireTenant(deps.keys),
    },
    async (request, reply) => {
      const created = await deps.checks.create(tenantOf(request), request.body ?? {}, request.headers['idempotency-key']);
      return reply.status(201).send(created);
    },
  );
}
