// Starts the real service on a random port over a real store, with helpers to get keys.
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/clock.js';
import { type Service, type ServiceOverrides, startService } from '../../src/service.js';
import { type StoreKind, type TestStore, testStore } from './stores.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestService {
  service: Service;
  store: TestStore;
  clock: ManualClock;
  url: string;
  request(path: string, init?: RequestInit & { json?: unknown; key?: string }): Promise<Response>;
  /** A tenant key: live (`lc_…`) unless mode is 'test' (`lc_test_…`, the sandbox). */
  tenantKey(tenant: string, mode?: 'live' | 'test'): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestService(
  kind: StoreKind,
  overrides: ServiceOverrides & { env?: Record<string, string>; store?: TestStore } = {},
): Promise<TestService> {
  const store = overrides.store ?? testStore(kind);
  const clock = (overrides.clock as ManualClock | undefined) ?? new ManualClock(Date.now());
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LIVECHECK_DATA_DIR: store.dataDir,
    LIVECHECK_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'silent',
    ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
    ...overrides.env,
  });
  const service = await startService(config, { ...overrides, clock, schema: store.schema });
  const url = service.url;
  const request = (path: string, init: RequestInit & { json?: unknown; key?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(`${url}${path}`, { ...init, headers, body });
  };
  return {
    service,
    store,
    clock,
    url,
    request,
    async tenantKey(tenant: string, mode: 'live' | 'test' = 'live') {
      const res = await request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: mode === 'live' ? { tenant } : { tenant, mode } });
      if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { key: string }).key;
    },
    async stop() {
      await service.close();
      if (!overrides.store) await store.dispose();
    },
  };
}
