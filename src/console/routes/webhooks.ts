// A tenant's webhook endpoints, their delivery log and redelivery, from the console.
import { errorRef } from '../../api/schemas.js';
import type { App } from '../../api/types.js';
import { principalOf, requireConsoleSession } from '../http-session.js';
import { CreateEndpointBody, CreatedEndpoint, Delivery, DeliveryList, EndpointList, IdParams, LimitQuery, TenantLimitQuery, TenantQuery } from '../schemas.js';
import { type ConsoleRouteDeps, consoleTags } from './deps.js';

const limitOf = (text: string | undefined) => (text === undefined ? 50 : Number(text));

export function registerConsoleWebhooks(app: App, deps: ConsoleRouteDeps): void {
  const session = { onRequest: requireConsoleSession(deps.sessions) };

  app.get(
    '/console/api/webhook_endpoints',
    { ...session, schema: { ...consoleTags, summary: "The tenant's webhook endpoints", querystring: TenantQuery, response: { 200: EndpointList, 400: errorRef, 401: errorRef, 403: errorRef } } },
    async (request) => ({ endpoints: await deps.admin.listEndpoints(principalOf(request), request.query.tenant) }),
  );

  app.post(
    '/console/api/webhook_endpoints',
    {
      ...session,
      schema: { ...consoleTags, summary: 'Add a webhook endpoint (its secret is shown once)', querystring: TenantQuery, body: CreateEndpointBody, response: { 201: CreatedEndpoint, 400: errorRef, 401: errorRef, 403: errorRef } },
    },
    async (request, reply) => reply.status(201).send(await deps.admin.createEndpoint(principalOf(request), request.query.tenant, request.body.url)),
  );

  app.delete(
    '/console/api/webhook_endpoints/:id',
    { ...session, schema: { ...consoleTags, summary: 'Delete a webhook endpoint; its log stays', params: IdParams, response: { 204: { type: 'null' }, 401: errorRef, 403: errorRef, 404: errorRef } } },
    async (request, reply) => {
      await deps.admin.deleteEndpoint(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/console/api/webhook_endpoints/:id/deliveries',
    { ...session, schema: { ...consoleTags, summary: "An endpoint's delivery log, newest first", params: IdParams, querystring: LimitQuery, response: { 200: DeliveryList, 400: errorRef, 401: errorRef, 404: errorRef } } },
    async (request) => ({ deliveries: await deps.admin.endpointDeliveries(principalOf(request), request.params.id, limitOf(request.query.limit)) }),
  );

  app.get(
    '/console/api/webhook_deliveries',
    { ...session, schema: { ...consoleTags, summary: "The tenant's deliveries, newest first", querystring: TenantLimitQuery, response: { 200: DeliveryList, 400: errorRef, 401: errorRef, 403: errorRef } } },
    async (request) => ({ deliveries: await deps.admin.deliveries(principalOf(request), request.query.tenant, limitOf(request.query.limit)) }),
  );

  app.post(
    '/console/api/webhook_deliveries/:id/redeliver',
    { ...session, schema: { ...consoleTags, summary: 'Deliver again now, with the same webhook-id', params: IdParams, response: { 202: Delivery, 401: errorRef, 403: errorRef, 404: errorRef } } },
    async (request, reply) => reply.status(202).send(await deps.admin.redeliver(principalOf(request), request.params.id)),
  );
}
