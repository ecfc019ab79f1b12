// DELETE /admin/tenants/{tenant}: offboarding. Every check, image, frame, key, endpoint, secret,
// setting and console session of the tenant is deleted (src/tenancy/tenant-erasure.ts). Admin key only.
import { Type } from 'typebox';
import { requireAdmin } from '../auth.js';
import { errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';
import { TenantSettingsParams } from './admin-tenant-settings.js';

const Count = Type.Integer({ minimum: 0 });

export const TenantErasureResponse = Type.Object({
  tenant: Type.String(),
  api_keys: Count,
  checks: Count,
  webhook_endpoints: Count,
  webhook_events: Count,
  settings: Count,
  console_sessions: Count,
});

export function registerAdminTenantErase(app: App, deps: ApiDeps): void {
  app.delete(
    '/admin/tenants/:tenant',
    {
      onRequest: requireAdmin(deps.keys),
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Erase a tenant: everything it left in the store (audit-logged)',
        description:
          'Deletes the tenant’s API keys first (other processes may accept them for up to 5 s more, so the call waits that long and erases again), then its checks with their frames, images, jobs and webhook events, then its webhook endpoints and secrets, capture-page settings and console sessions. The audit log keeps its entries and records the erasure. Idempotent: a tenant with nothing left answers zeros.',
        params: TenantSettingsParams,
        response: { 200: TenantErasureResponse, 400: errorRef, 401: errorRef },
      },
    },
    async (request) => deps.tenantErasure.erase(request.params.tenant),
  );
}
