// The audit log for operators: admin actions and check lifecycle changes, newest first, paged by id.
import { Type } from 'typebox';
import { requireAdmin } from '../auth.js';
import { errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';

export const AuditLogQuery = Type.Object(
  {
    // Query strings are not coerced (coerceTypes is off), so the number is checked as digits.
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: 'Entries per page, 1–1000 (default 100)' })),
    before: Type.Optional(Type.String({ pattern: '^aud_[0-9a-f]{28}$', description: 'Id of the last entry of the previous page' })),
    subject: Type.Optional(Type.String({ maxLength: 128, description: 'Only entries about this check, API key id, or tenant (settings changes)' })),
  },
  { additionalProperties: false },
);

export const AuditLogPage = Type.Object({
  entries: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String({ format: 'date-time' }),
      actor: Type.String({ description: 'admin, tenant:<name>, capture (the holder of a capture link) or system' }),
      action: Type.String({ description: 'e.g. api_key.create, check.create, check.erase, check.purge, tenant_settings.update' }),
      subject: Type.Union([Type.String(), Type.Null()]),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});

export function registerAdminAuditLog(app: App, deps: ApiDeps): void {
  app.get(
    '/admin/audit_log',
    {
      // Authentication before validation: without the admin key, nothing about the request is looked at.
      onRequest: requireAdmin(deps.keys),
      schema: {
        tags: ['admin'],
        summary: 'Read the audit log (no images, secrets or references)',
        security: [{ bearer: [] }],
        querystring: AuditLogQuery,
        response: { 200: AuditLogPage, 400: errorRef, 401: errorRef, 429: errorRef },
      },
    },
    async (request) => {
      const { limit, before, subject } = request.query;
      return { entries: await deps.audit.list({ limit: limit === undefined ? 100 : Number(limit), before, subject }) };
    },
  );
}
