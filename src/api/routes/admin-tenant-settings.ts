// GET/PUT /admin/tenants/{tenant}/settings: the capture page's branding, the origins allowed to
// embed it, and the default threshold of new checks. Admin key only; changes are audit-logged.
import { type TSchema, Type } from 'typebox';
import { MAX_LOGO_BYTES } from '../../tenancy/tenant-logo.js';
import { MAX_DISPLAY_NAME, MAX_FRAME_ANCESTORS } from '../../tenancy/tenant-settings.js';
import { requireAdmin } from '../auth.js';
import { errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';

const closed = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Tenant = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });
const Origin = Type.String({ maxLength: 260, pattern: '^https://', description: 'https://host or https://host:port, no path, no wildcard' });
/** base64 grows data by a third; the data URI prefix is short. */
const LOGO_FIELD_LIMIT = Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 64;

export const TenantSettingsParams = Type.Object({ tenant: Tenant }, closed);

export const TenantSettingsBody = Type.Object(
  {
    display_name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX_DISPLAY_NAME, description: 'Shown at the top of the capture page' }))),
    accent_color: Type.Optional(
      Nullable(Type.String({ ...Colour, description: 'Buttons and highlights, #rrggbb; shown darker or lighter where needed for 4.5:1 contrast' })),
    ),
    logo: Type.Optional(
      Nullable(
        Type.String({
          maxLength: LOGO_FIELD_LIMIT,
          description: `PNG or JPEG as a data URI (at most ${MAX_LOGO_BYTES / 1024} KB), re-encoded to a metadata-free PNG; or the current \`logo\` URL from GET to keep it`,
        }),
      ),
    ),
    frame_ancestors: Type.Optional(
      Type.Array(Origin, { maxItems: MAX_FRAME_ANCESTORS, description: 'Origins allowed to embed the capture page in a frame; none by default' }),
    ),
    default_threshold: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'For checks created without a threshold' }))),
  },
  { ...closed, description: 'The whole settings: a field left out returns to its default (no name, logo or accent; no framing; the service threshold)' },
);

export const TenantSettingsResponse = Type.Object({
  tenant: Type.String(),
  display_name: Nullable(Type.String()),
  accent_color: Nullable(Type.String()),
  accent_applied: Nullable(
    Type.Object({ light: Type.String(), dark: Type.String() }, { description: 'The shades the page shows in light and dark mode after the contrast adjustment' }),
  ),
  logo: Nullable(Type.String({ description: 'Same-origin URL of the re-encoded logo, cached for good (a new logo is a new URL)' })),
  frame_ancestors: Type.Array(Type.String()),
  default_threshold: Nullable(Type.Number()),
  updated_at: Nullable(Type.String({ format: 'date-time', description: 'Null until first set' })),
});

export function registerAdminTenantSettings(app: App, deps: ApiDeps): void {
  // Authenticate before validation, so a caller without a key learns nothing, not even the schema.
  const admin = { onRequest: requireAdmin(deps.keys) };
  const base = { tags: ['admin'], security: [{ bearer: [] }] };

  app.get(
    '/admin/tenants/:tenant/settings',
    {
      ...admin,
      schema: { ...base, summary: 'A tenant’s capture-page branding, framing origins and default threshold', params: TenantSettingsParams, response: { 200: TenantSettingsResponse, 400: errorRef, 401: errorRef } },
    },
    async (request) => deps.tenantSettings.get(request.params.tenant),
  );

  app.put(
    '/admin/tenants/:tenant/settings',
    {
      ...admin,
      // Room for the logo; everything else is small.
      bodyLimit: LOGO_FIELD_LIMIT + 16 * 1024,
      schema: {
        ...base,
        summary: 'Replace a tenant’s settings (audit-logged)',
        params: TenantSettingsParams,
        body: TenantSettingsBody,
        response: { 200: TenantSettingsResponse, 400: errorRef, 401: errorRef, 413: errorRef },
      },
    },
    async (request) => deps.tenantSettings.replace(request.params.tenant, request.body),
  );
}
