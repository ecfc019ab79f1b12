// `npx livecheck …`: run the service and manage it from a shell.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { systemClock } from '../clock.js';
import { openStore } from '../store/database.js';
import { ApiKeys } from '../tenancy/api-keys.js';
import { LivecheckError } from '../errors.js';

const HELP = `livecheck: self-hosted face liveness checks

Usage:
  livecheck serve                         start the service (API, capture page, analysis)
  livecheck keys create --tenant NAME [--mode test]
                                          create a tenant API key (printed once); test: a sandbox key lc_test_…
  livecheck keys list [--tenant NAME]     list API keys (hints only, never secrets)
  livecheck keys revoke ID                revoke an API key
  livecheck keys reseal [--batch N]       re-encrypt stored data under LIVECHECK_ENCRYPTION_KEY (--help)
  livecheck tenants erase NAME --yes      delete everything of a tenant (offboarding; --help)
  livecheck backup --out FILE             copy the embedded store while it runs (--help: keys, retention, restore)
  livecheck checks create|get|wait|simulate
                                          create a check, read it, wait for its result, decide a test check (--help)
  livecheck eval --help                   measure BPCER/APCER and decision latency
  livecheck synth --help                  generate synthetic camera sessions from a face photo

Options:
  --json      machine-readable output
  --help      this text

Configuration comes from the environment (PORT, HOST, LIVECHECK_DATA_DIR, DATABASE_URL,
LIVECHECK_ADMIN_KEY, LIVECHECK_PUBLIC_URL, …); see the README.

Examples:
  npx livecheck serve
  npx livecheck keys create --tenant acme
  npx livecheck keys create --tenant acme --mode test
  DATABASE_URL=postgres://127.0.0.1/livecheck npx livecheck keys list --json
  LIVECHECK_ENCRYPTION_KEY=new LIVECHECK_PREVIOUS_ENCRYPTION_KEYS=old npx livecheck keys reseal

Exit codes: 0 success, 1 usage error, 3 runtime error.
`;

const SHUTDOWN_TIMEOUT_MS = 25_000;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'keys':
        return await keys(rest);
      case 'backup': {
        const { runBackupCli } = await import('./backup.js');
        return await runBackupCli(rest);
      }
      case 'tenants': {
        const { runTenantsCli } = await import('./tenants.js');
        return await runTenantsCli(rest);
      }
      case 'checks': {
        const { runChecksCli } = await import('./checks.js');
        return await runChecksCli(rest);
      }
      case 'eval': {
        const { runEvalCli } = await import('../eval/cli.js');
        return await runEvalCli(rest);
      }
      case 'synth': {
        const { runSynthCli } = await import('../synth/cli.js');
        return await runSynthCli(rest);
      }
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${HELP}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      return 1;
    }
    if (error instanceof LivecheckError) {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error.message}\n\n${HELP}`);
      return 1;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 3;
  }
}

async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean' }, role: { type: 'string' } }, strict: true });
  if (values.help) {
    process.stdout.write(
      'Usage: livecheck serve [--role all|api|worker]\n\n' +
        '  all     API, capture page and analysis in one process (default; the embedded setup)\n' +
        '  api     HTTP only: any number behind a load balancer, on one PostgreSQL\n' +
        '  worker  analysis, sweeps and deliveries only (serves /healthz, /readyz, /metrics)\n\n' +
        'Configured by environment variables (see README). Example:\n' +
        '  DATABASE_URL=postgres://127.0.0.1/livecheck npx livecheck serve --role worker\n',
    );
    return 0;
  }
  const config = loadConfig({ ...process.env, ...(values.role ? { LIVECHECK_ROLE: values.role } : {}) });
  const { startService } = await import('../service.js');
  const service = await startService(config);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  service.app.log.info('shutting down: no new work; finishing what runs');
  // Bounded drain: a job still running after this is handed back when its lease runs out.
  const drained = await Promise.race([
    service.close().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_TIMEOUT_MS).unref()),
  ]);
  if (!drained) service.app.log.warn(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; leaving leased work to other workers`);
  return 0;
}

async function keys(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === 'reseal') {
    const { runResealCli } = await import('./reseal.js');
    return runResealCli(rest);
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { tenant: { type: 'string' }, mode: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  // `keys --help` arrives as the action: answer it before any store is opened.
  if (values.help || action === undefined || action === '--help' || action === '-h') {
    process.stdout.write('Usage:\n  livecheck keys create --tenant NAME [--mode live|test] [--json]\n  livecheck keys list [--tenant NAME] [--json]\n  livecheck keys revoke ID [--json]\n' +
        '  livecheck keys reseal [--batch N] [--json]   re-encrypt sealed data under LIVECHECK_ENCRYPTION_KEY (keys reseal --help)\n\n' +
        'Examples:\n  npx livecheck keys create --tenant acme\n  npx livecheck keys list --tenant acme --json\n  npx livecheck keys revoke key_…\n');
    return action === undefined ? 1 : 0;
  }
  const config = loadConfig();
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema });
  try {
    const apiKeys = new ApiKeys(store.db, systemClock, config.adminKey);
    const out = (human: string, json: unknown) => process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
    switch (action) {
      case 'create': {
        if (!values.tenant) {
          process.stderr.write('keys create needs --tenant NAME\n');
          return 1;
        }
        const mode = values.mode ?? 'live';
        if (mode !== 'live' && mode !== 'test') {
          process.stderr.write(`--mode must be live or test, got ${JSON.stringify(mode)}\n`);
          return 1;
        }
        const created = await apiKeys.create(values.tenant, mode);
        const what = mode === 'test' ? 'test (sandbox) API key' : 'API key';
        out(`Created ${what} ${created.id} for tenant ${created.tenant}. It is shown once:\n\n  ${created.key}\n`, created);
        return 0;
      }
      case 'list': {
        const list = await apiKeys.list(values.tenant);
        out(list.map((k) => `${k.id}  ${k.tenant}  ${k.mode}  …${k.key_hint}  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}`).join('\n') || '(no keys)', { keys: list });
        return 0;
      }
      case 'revoke': {
        const id = positionals[0];
        if (!id) {
          process.stderr.write('keys revoke needs the key id\n');
          return 1;
        }
        await apiKeys.revoke(id);
        out(`Revoked ${id}`, { id, revoked: true });
        return 0;
      }
      default:
        process.stderr.write(`unknown keys action ${JSON.stringify(action)}\n`);
        return 1;
    }
  } finally {
    await store.close();
  }
}
