// Wires the review console into the app: its domain parts, its JSON API under /console/api and its page.
import type { Kysely } from 'kysely';
import type { App } from '../api/types.js';
import type { RetentionSettings } from '../checks/service.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Database } from '../store/schema.js';
import type { ApiKeys } from '../tenancy/api-keys.js';
import type { TenantSettings } from '../tenancy/tenant-settings.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { registerConsolePage } from './page-routes.js';
import { ConsoleReview } from './review.js';
import { registerConsoleApiKeys } from './routes/api-keys.js';
import { registerConsoleCase } from './routes/case.js';
import { registerConsoleChecks } from './routes/checks.js';
import type { ConsoleRouteDeps } from './routes/deps.js';
import { registerConsoleOverview } from './routes/overview.js';
import { registerConsoleSession } from './routes/session.js';
import { registerConsoleTenantSettings } from './routes/tenant-settings.js';
import { registerConsoleWebhooks } from './routes/webhooks.js';
import { ConsoleSessions, DEFAULT_CONSOLE_SESSION } from './sessions.js';
import { TenantAdmin } from './tenant-admin.js';

export interface ConsoleDeps {
  db: Kysely<Database>;
  box: SecretBox;
  clock: Clock;
  keys: ApiKeys;
  webhooks: Webhooks;
  tenantSettings: TenantSettings;
  retention: RetentionSettings;
  configuredAdminKey: string | undefined;
  /** LIVECHECK_PUBLIC_URL is https: TLS ends at a proxy, so the cookie is Secure even over its plain-HTTP hop. */
  publicUrlIsHttps: boolean;
}

export async function registerConsole(app: App, deps: ConsoleDeps): Promise<void> {
  const settings = DEFAULT_CONSOLE_SESSION;
  const routeDeps: ConsoleRouteDeps = {
    sessions: new ConsoleSessions({ db: deps.db, clock: deps.clock, keys: deps.keys, configuredAdminKey: deps.configuredAdminKey, settings }),
    review: new ConsoleReview({ db: deps.db, box: deps.box, clock: deps.clock, webhooks: deps.webhooks, retention: deps.retention }),
    admin: new TenantAdmin({ db: deps.db, keys: deps.keys, webhooks: deps.webhooks, settings: deps.tenantSettings }),
    cookies: { alwaysSecure: deps.publicUrlIsHttps },
    sessionMaxAgeSeconds: Math.floor(settings.maxAgeMs / 1000),
  };
  registerConsoleSession(app, routeDeps);
  registerConsoleChecks(app, routeDeps);
  registerConsoleCase(app, routeDeps);
  registerConsoleOverview(app, routeDeps);
  registerConsoleApiKeys(app, routeDeps);
  registerConsoleWebhooks(app, routeDeps);
  registerConsoleTenantSettings(app, routeDeps);
  await registerConsolePage(app);
}
