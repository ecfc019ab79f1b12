// A tenant's capture-page branding and default threshold, through src/tenancy/tenant-settings.ts.
import { errorRef } from '../../api/schemas.js';
import type { App } from '../../api/types.js';
import { principalOf, requireConsoleSession } from '../http-session.js';
import { BrandingBody, TenantQuery, TenantSettingsView } from '../schemas.js';
import { type ConsoleRouteDeps, consoleTags } from './deps.js';

export function registerConsoleTenantSettings(app: App, deps: ConsoleRouteDeps): void {
  const session = { onRequest: requireConsoleSession(deps.sessions) };

  app.get(
    '/console/api/tenant_settings',
    { ...session, schema: { ...consoleTags, summary: "The tenant's branding and default threshold", querystring: TenantQuery, response: { 200: TenantSettingsView, 400: errorRef, 401: errorRef, 403: errorRef } } },
    async (request) => deps.admin.settings(principalOf(request), request.query.tenant),
  );

  app.put(
    '/console/api/tenant_settings',
    {
      ...session,
      schema: {
        ...consoleTags,
        summary: 'Set the branding and default threshold (logo and frame ancestors stay as they are)',
        querystring: TenantQuery,
        body: BrandingBody,
        response: { 200: TenantSettingsView, 400: errorRef, 401: errorRef, 403: errorRef },
      },
    },
    async (request) => deps.admin.updateSettings(principalOf(request), request.query.tenant, request.body),
  );
}
