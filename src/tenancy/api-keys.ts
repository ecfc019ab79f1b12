// Who may call the API: tenant keys (`lc_…`) for checks, the admin key for managing tenant keys.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { LivecheckError } from '../errors.js';
import { adminKeyHashes, findActiveApiKeyByHash, insertAdminKey, insertApiKey, listApiKeys, revokeApiKey, storeIsEmpty } from '../store/api-keys.js';
import type { Database } from '../store/schema.js';
import { API_KEY_PATTERN, hashSecret, newAdminKey, newApiKey, secretsEqual } from '../security/secrets.js';

export interface TenantPrincipal {
  tenant: string;
  apiKeyId: string;
}

export interface ApiKeyInfo {
  id: string;
  tenant: string;
  key_hint: string;
  created_at: string;
  revoked_at: string | null;
}

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class ApiKeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly configuredAdminKey: string | undefined,
  ) {}

  /** Creates a tenant key; the secret is returned once and only its digest is kept. */
  async create(tenant: string): Promise<{ id: string; tenant: string; key: string }> {
    if (!TENANT_PATTERN.test(tenant)) {
      throw new LivecheckError('invalid_request', 'tenant must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    const key = newApiKey();
    const id = `key_${randomUUID()}`;
    await insertApiKey(this.db, {
      id,
      tenant,
      key_hash: hashSecret(key),
      key_hint: key.slice(-4),
      created_at: this.clock.now(),
      revoked_at: null,
    });
    return { id, tenant, key };
  }

  async revoke(id: string): Promise<void> {
    if (!(await revokeApiKey(this.db, id, this.clock.now()))) {
      throw new LivecheckError('not_found', 'no active API key with that id');
    }
  }

  async list(tenant?: string): Promise<ApiKeyInfo[]> {
    const rows = await listApiKeys(this.db, tenant);
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      key_hint: r.key_hint,
      created_at: new Date(r.created_at).toISOString(),
      revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
    }));
  }

  async authenticateTenant(key: string): Promise<TenantPrincipal | undefined> {
    if (!API_KEY_PATTERN.test(key)) return undefined;
    const row = await findActiveApiKeyByHash(this.db, hashSecret(key));
    return row ? { tenant: row.tenant, apiKeyId: row.id } : undefined;
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
   * print it once. Returns undefined otherwise.
   */
  async bootstrapAdminKey(): Promise<string | undefined> {
    if (this.configuredAdminKey !== undefined) return undefined;
    if (!(await storeIsEmpty(this.db))) return undefined;
    const key = newAdminKey();
    await insertAdminKey(this.db, `adm_${randomUUID()}`, hashSecret(key), this.clock.now());
    return key;
  }
}
