// The console's tenant settings: API keys and webhook endpoints, through the same domain code as the
// admin API (ApiKeys, Webhooks), with every id checked against the session's tenant first.
import type { Kysely } from 'kysely';
import { LivecheckError } from '../errors.js';
import type { CheckMode, Database } from '../store/schema.js';
import type { ApiKeyInfo, ApiKeys } from '../tenancy/api-keys.js';
import type { TenantSettings, TenantSettingsView } from '../tenancy/tenant-settings.js';
import { findDelivery } from '../webhooks/delivery-store.js';
import { findEndpoint } from '../webhooks/endpoint-store.js';
import type { DeliveryView, EndpointView, Webhooks } from '../webhooks/webhooks.js';
import { assertMayChangeLive, auditActor, canSee, keyModeScope, settingsTenant } from './scope.js';
import type { ConsolePrincipal } from './sessions.js';

export interface TenantAdminDeps {
  db: Kysely<Database>;
  keys: ApiKeys;
  webhooks: Webhooks;
  settings: TenantSettings;
}

/** What the console edits of a tenant's settings; the logo and frame ancestors are kept as they are. */
export interface BrandingChange {
  display_name: string | null;
  accent_color: string | null;
  default_threshold: number | null;
}

export class TenantAdmin {
  constructor(private readonly deps: TenantAdminDeps) {}

  async listKeys(principal: ConsolePrincipal, tenant: string | undefined): Promise<ApiKeyInfo[]> {
    const mode = keyModeScope(principal);
    const keys = await this.deps.keys.list(settingsTenant(principal, tenant));
    return mode === undefined ? keys : keys.filter((k) => k.mode === mode);
  }

  /**
   * The secret is in this answer only. A tenant session makes keys of its own mode: a test key must not
   * be a way to a live key (and so to live checks). The admin makes live keys, as the admin API does.
   */
  async createKey(principal: ConsolePrincipal, tenant: string | undefined): Promise<{ id: string; tenant: string; mode: CheckMode; key: string }> {
    const mode = principal.kind === 'tenant' ? principal.mode : 'live';
    return this.deps.keys.create(settingsTenant(principal, tenant), mode, auditActor(principal));
  }

  /** Revoking ends the console sessions opened with that key, this one included when it is the same key. */
  async revokeKey(principal: ConsolePrincipal, id: string): Promise<void> {
    const mode = keyModeScope(principal);
    const key = (await this.deps.keys.list(principal.kind === 'tenant' ? principal.tenant : undefined)).find((k) => k.id === id);
    // A test session cannot see live keys, so it cannot revoke them either.
    if (!key || key.revoked_at !== null || (mode !== undefined && key.mode !== mode)) throw new LivecheckError('not_found', 'no active API key with that id');
    await this.deps.keys.revoke(id, auditActor(principal));
  }

  async listEndpoints(principal: ConsolePrincipal, tenant: string | undefined): Promise<EndpointView[]> {
    return this.deps.webhooks.listEndpoints(settingsTenant(principal, tenant));
  }

  async createEndpoint(principal: ConsolePrincipal, tenant: string | undefined, url: string): Promise<EndpointView & { secret: string }> {
    assertMayChangeLive(principal);
    return this.deps.webhooks.createEndpoint(settingsTenant(principal, tenant), url, auditActor(principal));
  }

  async deleteEndpoint(principal: ConsolePrincipal, id: string): Promise<void> {
    assertMayChangeLive(principal);
    await this.visibleEndpoint(principal, id);
    await this.deps.webhooks.deleteEndpoint(id, auditActor(principal));
  }

  async endpointDeliveries(principal: ConsolePrincipal, id: string, limit: number): Promise<DeliveryView[]> {
    // A deleted endpoint's log stays readable.
    await this.visibleEndpoint(principal, id, true);
    return this.deps.webhooks.endpointDeliveries(id, limit);
  }

  /** Deliveries to endpoints and to checks' own webhook_url, newest first. */
  async deliveries(principal: ConsolePrincipal, tenant: string | undefined, limit: number): Promise<DeliveryView[]> {
    return this.deps.webhooks.deliveries({ tenant: settingsTenant(principal, tenant), limit });
  }

  async redeliver(principal: ConsolePrincipal, id: string): Promise<DeliveryView> {
    assertMayChangeLive(principal);
    const delivery = await findDelivery(this.deps.db, id);
    if (!delivery || !canSee(principal, delivery.tenant)) throw new LivecheckError('not_found', 'no webhook delivery with that id');
    return this.deps.webhooks.redeliver(id, auditActor(principal));
  }

  async settings(principal: ConsolePrincipal, tenant: string | undefined): Promise<TenantSettingsView> {
    return this.deps.settings.get(settingsTenant(principal, tenant));
  }

  /**
   * Branding and the default threshold. Which origins may frame the capture page is a security
   * decision left to the admin API (PUT /admin/tenants/{tenant}/settings), so it is carried over.
   */
  async updateSettings(principal: ConsolePrincipal, tenant: string | undefined, change: BrandingChange): Promise<TenantSettingsView> {
    assertMayChangeLive(principal);
    const name = settingsTenant(principal, tenant);
    const current = await this.deps.settings.get(name);
    return this.deps.settings.replace(name, { ...change, logo: current.logo, frame_ancestors: current.frame_ancestors }, auditActor(principal));
  }

  private async visibleEndpoint(principal: ConsolePrincipal, id: string, includeDeleted = false): Promise<void> {
    const endpoint = await findEndpoint(this.deps.db, id);
    if (!endpoint || (endpoint.disabled_at !== null && !includeDeleted) || !canSee(principal, endpoint.tenant)) {
      throw new LivecheckError('not_found', 'no webhook endpoint with that id');
    }
  }
}
