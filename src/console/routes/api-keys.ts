// A tenant's API keys from the console: list, create (shown once), revoke.
import { errorRef } from '../../api/schemas.js';
import type { App } from '../../api/types.js';
import { principalOf, requireConsoleSession } from '../http-session.js';
import { ApiKeyList, CreatedApiKey, IdParams, TenantQuery } from '../schemas.js';
import { type ConsoleRouteDeps, consoleTags } from './deps.js';

export function registerConsoleApiKeys(app: App, deps: ConsoleRouteDeps): void {
  const session = { onRequest: requireConsoleSession(deps.sessions) };

  app.get(
    '/console/api/api_keys',
    { ...session, schema: { ...consoleTags, summary: "The tenant's API keys (never the secrets)", querystring: TenantQuery, response: { 200: ApiKeyList, 400: errorRef, 401: errorRef, 403: errorRef } } },
    async (request) => ({ keys: await deps.admin.listKeys(principalOf(request), request.query.tenant) }),
  );

  app.post(
    '/console/api/api_keys',
    { ...session, schema: { ...consoleTags, summary: 'Create an API key (shown once)', querystring: TenantQuery, response: { 201: CreatedApiKey, 400: errorRef, 401: errorRef, 403: errorRef } } },
    async (request, reply) => reply.status(201).send(await deps.admin.createKey(principalOf(request), request.query.tenant)),
  );

  app.delete(
    '/console/api/api_keys/:id',
    { ...session, schema: { ...consoleTags, summary: 'Revoke an API key; console sessions opened with it end', params: IdParams, response: { 204: { type: 'null' }, 401: errorRef, 403: errorRef, 404: errorRef } } },
    async (request, reply) => {
      await deps.admin.revokeKey(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
