// Who may call the API: tenant keys (`lc_…`) for checks, the admin key for managing tenant keys.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { LivecheckError } from '../errors.js';
import { type AuditActor, recordAudit } from '../store/audit-log.js';
import { adminKeyHashes, findActiveApiKeyByHash, insertApiKey, insertGeneratedAdminKey, listApiKeys, revokeApiKey, storeIsEmpty } from '../store/api-keys.js';
import type { CheckMode, Database } from '../store/schema.js';
import { apiKeyMode, hashSecret, newAdminKey, newApiKey, secretsEqual } from '../security/secrets.js';
import { assertTenantName } from './tenant-name.js';

export interface TenantPrincipal {
  tenant: string;
  apiKeyId: string;
  /** Live keys see live checks only, test keys test checks only. */
  mode: CheckMode;
}

export interface ApiKeyInfo {
  id: string;
  tenant: string;
  key_hint: string;
  mode: CheckMode;
  created_at: string;
  revoked_at: string | null;
}

/**
 * Polling brings thousands of authenticated GETs a second; a valid key is remembered briefly instead
 * of read on every request. A revocation here is immediate; other processes see it within this time.
 */
export const AUTH_CACHE_MS = 5_000;
const AUTH_CACHE_MAX = 10_000;


export class ApiKeys {
  private readonly cache = new Map<string, { principal: TenantPrincipal; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly configuredAdminKey: string | undefined,
  ) {}

  /**
   * Creates a tenant key; the secret is returned once and only its digest is kept. `actor` is who asked,
   * for the audit log: the admin API, or a tenant from its console session.
   */
  async create(tenant: string, mode: CheckMode = 'live', actor: AuditActor = 'admin'): Promise<{ id: string; tenant: string; mode: CheckMode; key: string }> {
    assertTenantName(tenant);
    const key = newApiKey(mode);
    const id = `key_${randomUUID()}`;
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await insertApiKey(trx, { id, tenant, key_hash: hashSecret(key), key_hint: key.slice(-4), mode, created_at: now, revoked_at: null });
      await recordAudit(trx, { actor, action: 'api_key.create', subject: id, details: { tenant, mode } }, now);
    });
    return { id, tenant, mode, key };
  }

  async revoke(id: string, actor: AuditActor = 'admin'): Promise<void> {
    const now = this.clock.now();
    const revoked = await this.db.transaction().execute(async (trx) => {
      if (!(await revokeApiKey(trx, id, now))) return false;
      await recordAudit(trx, { actor, action: 'api_key.revoke', subject: id }, now);
      return true;
    });
    if (!revoked) throw new LivecheckError('not_found', 'no active API key with that id');
    for (const [hash, entry] of this.cache) if (entry.principal.apiKeyId === id) this.cache.delete(hash);
  }

  /** Drops this process's cached keys of a tenant (erased): they stop working here at once. */
  forgetTenant(tenant: string): void {
    for (const [hash, entry] of this.cache) if (entry.principal.tenant === tenant) this.cache.delete(hash);
  }

  async list(tenant?: string): Promise<ApiKeyInfo[]> {
    const rows = await listApiKeys(this.db, tenant);
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      key_hint: r.key_hint,
      mode: r.mode,
      created_at: new Date(r.created_at).toISOString(),
      revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
    }));
  }

  /** The principal of a key authenticated in the last few seconds, without a store read; else undefined. */
  cachedTenant(key: string, hash = hashSecret(key)): TenantPrincipal | undefined {
    if (apiKeyMode(key) === undefined) return undefined;
    const cached = this.cache.get(hash);
    return cached && cached.until > this.clock.now() ? cached.principal : undefined;
  }

  async authenticateTenant(key: string): Promise<TenantPrincipal | undefined> {
    const prefixMode = apiKeyMode(key);
    if (prefixMode === undefined) return undefined;
    const hash = hashSecret(key);
    const now = this.clock.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const row = await findActiveApiKeyByHash(this.db, hash);
    // The prefix and the stored mode always agree (the key was made with its prefix); a row that
    // disagreed would be tampering, and is refused rather than trusted either way.
    const principal = row && row.mode === prefixMode ? { tenant: row.tenant, apiKeyId: row.id, mode: row.mode } : undefined;
    if (principal) {
      // Bounded: past the limit the oldest entry goes (Map keeps insertion order).
      if (this.cache.size >= AUTH_CACHE_MAX) this.cache.delete(this.cache.keys().next().value ?? '');
      this.cache.set(hash, { principal, until: now + AUTH_CACHE_MS });
    }
    return principal;
  }

  async authenticateAdmin(key: string): Promise<boolean> {
    if (this.configuredAdminKey !== undefined) return secretsEqual(key, this.configuredAdminKey);
    const presented = hashSecret(key);
    let match = false;
    // Compare against every stored digest so the time taken does not say which one matched.
    for (const stored of await adminKeyHashes(this.db)) match = secretsEqual(presented, stored) || match;
    return match;
  }

  /**
   * With no admin key configured and an empty store, makes one and returns it so that start-up can
   * print it once. Returns undefined otherwise, and to all but one of processes starting together.
   */
  async bootstrapAdminKey(): Promise<string | undefined> {
    if (this.configuredAdminKey !== undefined) return undefined;
    if (!(await storeIsEmpty(this.db))) return undefined;
    const key = newAdminKey();
    return (await insertGeneratedAdminKey(this.db, hashSecret(key), this.clock.now())) ? key : undefined;
  }
}
