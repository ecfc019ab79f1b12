// `livecheck tenants erase NAME`: the offboarding of DELETE /admin/tenants/{tenant}, run on the store
// directly (for when no API process is up, or from a maintenance job).
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { openStore } from '../store/database.js';
import { ApiKeys } from '../tenancy/api-keys.js';
import { TenantErasure } from '../tenancy/tenant-erasure.js';

export interface TenantsCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

export const TENANTS_HELP = `Usage: livecheck tenants erase NAME --yes [--json]

Deletes everything tenant NAME left in the store, as DELETE /admin/tenants/{tenant} does: its API
keys first, then its checks with their frames, images, jobs and webhook events, its webhook
endpoints and secrets, capture-page settings and console sessions. It takes about 5 seconds:
running API processes may accept the tenant's keys for that long, so it waits and erases again
what they let in. The audit log keeps its entries and records the erasure. There is no undo:
--yes says you mean it.

Exit codes: 0 erased (or nothing was left), 1 usage or configuration error, 3 another error.

Example:
  npx livecheck tenants erase acme --yes
`;

export async function runTenantsCli(argv: string[], io: TenantsCliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { yes: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  const [action, tenant, ...extra] = positionals;
  if (values.help || action === undefined) {
    io.stdout.write(TENANTS_HELP);
    return values.help ? 0 : 1;
  }
  if (action !== 'erase' || tenant === undefined || extra.length > 0) {
    io.stderr.write(`expected: tenants erase NAME --yes\n\n${TENANTS_HELP}`);
    return 1;
  }
  if (!values.yes) {
    io.stderr.write(`this deletes every check, key and setting of tenant ${JSON.stringify(tenant)} for good: add --yes\n`);
    return 1;
  }
  const config = loadConfig(io.env);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema });
  try {
    const report = await new TenantErasure(store.db, systemClock, new ApiKeys(store.db, systemClock, config.adminKey)).erase(tenant);
    if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else
      io.stdout.write(
        `Erased tenant ${report.tenant}: ${report.checks} check(s), ${report.api_keys} API key(s), ${report.webhook_endpoints} webhook endpoint(s), ` +
          `${report.webhook_events} webhook event(s), ${report.settings ? 'its settings' : 'no settings'}, ${report.console_sessions} console session(s).\n`,
      );
    return 0;
  } finally {
    await store.close();
  }
}
