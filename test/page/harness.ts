// The real service for page tests (embedded store, real models unless the role says otherwise),
// with helpers to create checks and read results the way a tenant's backend does.
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { type TestBrowser, launchBrowser } from './browser.js';

export interface CreatedCheck {
  id: string;
  token: string;
  url: string;
  captureId: string;
}

export interface CheckResultBody {
  id: string;
  status: string;
  result?: { passed: boolean; confidence: number; failure_reason?: string; image?: string };
}

export interface PageHarness {
  t: TestService;
  origin: string;
  /** A check of tenant `acme`, or of `tenant` (its key is made on first use). */
  createCheck(body?: Record<string, unknown>, tenant?: string): Promise<CreatedCheck>;
  /** PUT /admin/tenants/{tenant}/settings; answers the saved settings. */
  setTenantSettings(tenant: string, settings: Record<string, unknown>): Promise<{ logo: string | null; frame_ancestors: string[] }>;
  /** Polls GET /liveness_check like a backend until the answer is not 202. */
  result(token: string, timeoutMs?: number): Promise<{ status: number; body: CheckResultBody }>;
  /** Calls the capture protocol directly, as another device would. */
  capture(captureId: string, call: 'start' | 'finish'): Promise<Response>;
  stop(): Promise<void>;
}

export async function startPageHarness(env: Record<string, string> = {}): Promise<PageHarness> {
  const t = await startTestService('sqlite', { env });
  const key = await t.tenantKey('acme');
  const keys = new Map<string, Promise<string>>([['acme', Promise.resolve(key)]]);
  const keyOf = (tenant: string) => {
    let found = keys.get(tenant);
    if (!found) keys.set(tenant, (found = t.tenantKey(tenant)));
    return found;
  };
  return {
    t,
    origin: new URL(t.url).origin,
    async createCheck(body = {}, tenant = 'acme') {
      const res = await t.request('/liveness_check', { method: 'POST', key: await keyOf(tenant), json: body });
      if (res.status !== 201) throw new Error(`creating a check failed: ${res.status} ${await res.text()}`);
      const created = (await res.json()) as Omit<CreatedCheck, 'captureId'>;
      return { ...created, captureId: new URL(created.url).pathname.replace('/c/', '') };
    },
    async result(token, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await t.request(`/liveness_check?token=${token}`, { key });
        if (res.status !== 202) return { status: res.status, body: (await res.json()) as CheckResultBody };
        if (Date.now() > deadline) throw new Error('no result in time');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async setTenantSettings(tenant, settings) {
      const res = await t.request(`/admin/tenants/${tenant}/settings`, { method: 'PUT', key: ADMIN_KEY, json: settings });
      if (res.status !== 200) throw new Error(`setting ${tenant}'s settings failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { logo: string | null; frame_ancestors: string[] };
    },
    capture(captureId, call) {
      return t.request(`/v1/capture/${captureId}/${call}`, { method: 'POST' });
    },
    stop: () => t.stop(),
  };
}

/** One service and one Chromium shared by the browser tests (two cores: one of each at a time). */
export class PageSuite {
  private parts: { harness: PageHarness; browser: TestBrowser } | undefined;

  async start(): Promise<void> {
    const [harness, browser] = await Promise.all([startPageHarness(), launchBrowser()]);
    this.parts = { harness, browser };
  }

  async stop(): Promise<void> {
    await this.parts?.browser.close();
    await this.parts?.harness.stop();
    this.parts = undefined;
  }

  get harness(): PageHarness {
    if (!this.parts) throw new Error('the page suite did not start');
    return this.parts.harness;
  }

  get browser(): TestBrowser {
    if (!this.parts) throw new Error('the page suite did not start');
    return this.parts.browser;
  }
}
