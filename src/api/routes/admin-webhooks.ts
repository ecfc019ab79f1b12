// Admin routes for webhooks: tenant endpoints and their secrets, the per-tenant secret that signs
// checks' own webhook_url, the delivery log and redelivery. All need the admin key.
import { type TSchema, Type } from 'typebox';
import { requireAdmin } from '../auth.js';
import { errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';

const closed = { additionalProperties: false } as const;
const Tenant = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Secret = Type.String({ pattern: '^whsec_', description: 'Standard Webhooks secret; verify `webhook-signature` with it' });

export const CreateEndpointBody = Type.Object(
  {
    tenant: Tenant,
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description: 'Receives POSTed events; must be a public address' }),
  },
  closed,
);

const EndpointFields = {
  id: Type.String(),
  tenant: Type.String(),
  url: Type.String(),
  created_at: Timestamp,
};

export const CreatedEndpoint = Type.Object({ ...EndpointFields, secret: Type.String({ ...Secret, description: 'Shown once' }) });
export const EndpointList = Type.Object({ endpoints: Type.Array(Type.Object(EndpointFields)) });
export const EndpointListQuery = Type.Object({ tenant: Type.Optional(Type.String({ maxLength: 64 })) }, closed);
export const IdParams = Type.Object({ id: Type.String({ maxLength: 128 }) }, closed);
export const TenantParams = Type.Object({ tenant: Tenant }, closed);

const previousExpires = Type.String({ format: 'date-time', description: 'Until then the replaced secret signs too (a second `v1,` signature)' });
export const RotatedEndpointSecret = Type.Object({ id: Type.String(), secret: Secret, previous_secret_expires_at: previousExpires });
export const TenantSecret = Type.Object({ tenant: Type.String(), secret: Secret });
export const RotatedTenantSecret = Type.Object({ tenant: Type.String(), secret: Secret, previous_secret_expires_at: previousExpires });

export const Delivery = Type.Object({
  id: Type.String(),
  event_id: Type.String({ description: 'Sent as `webhook-id`; the same on every attempt and redelivery' }),
  event_type: Type.String(),
  check_id: Type.String(),
  endpoint_id: Nullable(Type.String({ description: 'Null for the check’s own webhook_url' })),
  url: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('cancelled')]),
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String({ description: 'Including SSRF refusals' })),
  last_attempt_at: Nullable(Timestamp),
  next_attempt_at: Nullable(Timestamp),
  delivered_at: Nullable(Timestamp),
  created_at: Timestamp,
});
export const DeliveryList = Type.Object({ deliveries: Type.Array(Delivery) });
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Newest first; default 50' }));
export const EndpointDeliveriesQuery = Type.Object({ limit: Limit }, closed);
export const TenantDeliveriesQuery = Type.Object({ tenant: Tenant, check_id: Type.Optional(Type.String({ maxLength: 64 })), limit: Limit }, closed);

export function registerAdminWebhooks(app: App, deps: ApiDeps): void {
  // Authenticate before validation, so a caller without a key learns nothing, not even the schema.
  const admin = { onRequest: requireAdmin(deps.keys) };
  const base = { tags: ['admin'], security: [{ bearer: [] }] };
  const { webhooks } = deps;

  app.post(
    '/admin/webhook_endpoints',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'Create a webhook endpoint for a tenant (its secret is shown once)',
        body: CreateEndpointBody,
        response: { 201: CreatedEndpoint, 400: errorRef, 401: errorRef },
      },
    },
    async (request, reply) => reply.status(201).send(await webhooks.createEndpoint(request.body.tenant, request.body.url)),
  );

  app.get(
    '/admin/webhook_endpoints',
    {
      ...admin,
      schema: { ...base, summary: 'List active webhook endpoints (never the secrets)', querystring: EndpointListQuery, response: { 200: EndpointList, 401: errorRef } },
    },
    async (request) => ({ endpoints: await webhooks.listEndpoints(request.query.tenant) }),
  );

  app.delete(
    '/admin/webhook_endpoints/:id',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'Delete a webhook endpoint: pending retries are cancelled, the delivery log stays',
        params: IdParams,
        response: { 204: { type: 'null' }, 401: errorRef, 404: errorRef },
      },
    },
    async (request, reply) => {
      await webhooks.deleteEndpoint(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/admin/webhook_endpoints/:id/rotate_secret',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'Replace the endpoint’s secret; the old one keeps signing alongside for 24 h',
        params: IdParams,
        response: { 200: RotatedEndpointSecret, 401: errorRef, 404: errorRef },
      },
    },
    async (request) => webhooks.rotateEndpointSecret(request.params.id),
  );

  app.get(
    '/admin/webhook_endpoints/:id/deliveries',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'The endpoint’s delivery log, newest first',
        params: IdParams,
        querystring: EndpointDeliveriesQuery,
        response: { 200: DeliveryList, 400: errorRef, 401: errorRef, 404: errorRef },
      },
    },
    async (request) => ({ deliveries: await webhooks.endpointDeliveries(request.params.id, request.query.limit ?? 50) }),
  );

  app.get(
    '/admin/webhook_deliveries',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'A tenant’s deliveries, to endpoints and to checks’ own webhook_url, newest first',
        querystring: TenantDeliveriesQuery,
        response: { 200: DeliveryList, 400: errorRef, 401: errorRef },
      },
    },
    async (request) => {
      const { tenant, check_id, limit } = request.query;
      return { deliveries: await webhooks.deliveries({ tenant, limit: limit ?? 50, ...(check_id !== undefined ? { checkId: check_id } : {}) }) };
    },
  );

  app.post(
    '/admin/webhook_deliveries/:id/redeliver',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'Deliver again now, with the same webhook-id and a fresh retry schedule',
        params: IdParams,
        response: { 202: Delivery, 401: errorRef, 404: errorRef },
      },
    },
    async (request, reply) => reply.status(202).send(await webhooks.redeliver(request.params.id)),
  );

  app.get(
    '/admin/tenants/:tenant/webhook_secret',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'The secret signing this tenant’s per-check webhook_url deliveries (created on first use)',
        params: TenantParams,
        response: { 200: TenantSecret, 400: errorRef, 401: errorRef },
      },
    },
    async (request) => webhooks.tenantSecret(request.params.tenant),
  );

  app.post(
    '/admin/tenants/:tenant/webhook_secret',
    {
      ...admin,
      schema: {
        ...base,
        summary: 'Rotate the per-check webhook secret; the old one keeps signing alongside for 24 h',
        params: TenantParams,
        response: { 200: RotatedTenantSecret, 400: errorRef, 401: errorRef },
      },
    },
    async (request) => webhooks.rotateTenantSecret(request.params.tenant),
  );
}
