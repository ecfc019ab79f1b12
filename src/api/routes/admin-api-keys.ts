import { requireAdmin } from '../auth.js';
import { CreateKeyBody, CreatedKey, KeyList, KeyListQuery, KeyParams, errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';

export function registerAdminApiKeys(app: App, deps: ApiDeps): void {
  // Authenticate before validation, so a caller without a key learns nothing, not even the schema.
  const admin = { onRequest: requireAdmin(deps.keys) };
  app.post(
    '/admin/api_keys',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Create a tenant API key (shown once)',
        description: 'With `"mode":"test"` a sandbox key `lc_test_…`: its checks are test checks, decided by simulation, invisible to live keys.',
        security: [{ bearer: [] }],
        body: CreateKeyBody,
        response: { 201: CreatedKey, 400: errorRef, 401: errorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.keys.create(request.body.tenant, request.body.mode ?? 'live')),
  );

  app.get(
    '/admin/api_keys',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'List API keys (never the secrets)',
        security: [{ bearer: [] }],
        querystring: KeyListQuery,
        response: { 200: KeyList, 401: errorRef },
      },
    },
    async (request) => ({ keys: await deps.keys.list(request.query.tenant) }),
  );

  app.delete(
    '/admin/api_keys/:id',
    {
      ...admin,
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key',
        security: [{ bearer: [] }],
        params: KeyParams,
        response: { 204: { type: 'null' }, 401: errorRef, 404: errorRef },
      },
    },
    async (request, reply) => {
      await deps.keys.revoke(request.params.id);
      return reply.status(204).send(null);
    },
  );
}
