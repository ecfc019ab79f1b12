// Wires the service together: store, secrets, models, domain, jobs and the HTTP app.
import type { FastifyServerOptions } from 'fastify';
import { sql } from 'kysely';
import { type Readiness, buildApp, redactUrl } from './api/app.js';
import type { App } from './api/types.js';
import { DEFAULT_FRAME_LIMITS } from './capture/frame-input.js';
import { registerCapturePage } from './capture/page-routes.js';
import { registerConsole } from './console/register.js';
import { type CaptureSettings, LivenessChecks } from './checks/service.js';
import { Sandbox } from './sandbox/sandbox.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import type { AnalyzerPool } from './engine/analyzer-pool.js';
import type { FrameAnalyzer } from './engine/types.js';
import { type DecideLiveness } from './jobs/analyse-check.js';
import { AnalysisWorker } from './jobs/analysis-worker.js';
import { Sweeper } from './jobs/sweeper.js';
import { refuseKeylessStart, verifyStoreKey } from './security/key-canary.js';
import { SecretBox, loadOrCreateKey } from './security/secret-box.js';
import { type Store, openStore } from './store/database.js';
import { LATEST_MIGRATION } from './store/migrations.js';
import { auditLogReader } from './store/audit-log.js';
import { polledCheckReader } from './store/checks.js';
import { ServiceMetrics } from './observability/metrics.js';
import { instrumentAnalyzer, registerPoolMetrics } from './observability/instrumented-analyzer.js';
import { ApiKeys } from './tenancy/api-keys.js';
import { TenantErasure } from './tenancy/tenant-erasure.js';
import { TenantSettings } from './tenancy/tenant-settings.js';
import { VERSION } from './version.js';
import { WebhookDeliveryWorker } from './webhooks/delivery-worker.js';
import { onWebhookWork } from './webhooks/outbox.js';
import type { Resolver } from './webhooks/transport.js';
import { Webhooks } from './webhooks/webhooks.js';


export const DEFAULT_CAPTURE: CaptureSettings = {
  maxWidth: 640,
  intervalMs: 200,
  maxAttempts: 3,
  maxFramesPerRequest: 10,
  maxFramesPerAttempt: 300,
  limits: DEFAULT_FRAME_LIMITS,
};

export interface ServiceOverrides {
  clock?: Clock;
  /** Frame analysis; by default a worker-thread pool running the face models. */
  analyzer?: FrameAnalyzer;
  decide?: DecideLiveness;
  capture?: Partial<CaptureSettings>;
  /** PostgreSQL schema (tests give each run its own). */
  schema?: string;
  logger?: FastifyServerOptions['logger'];
  /** Called once with the generated admin key when the store was empty and none was configured. */
  onAdminKeyCreated?: (key: string) => void;
  /** Run the analysis worker and sweeper in this process (default true). */
  runJobs?: boolean;
  /** How webhook hosts are resolved before each attempt; the system resolver by default (tests). */
  webhookResolver?: Resolver;
}

export interface Service {
  app: App;
  store: Store;
  checks: LivenessChecks;
  keys: ApiKeys;
  worker: AnalysisWorker | undefined;
  /** Housekeeping (expiry, retention); undefined when this process runs no jobs. */
  sweeper: Sweeper | undefined;
  /** Delivers webhooks from the outbox; undefined when this process runs no jobs. */
  webhookWorker: WebhookDeliveryWorker | undefined;
  /** Undefined in an API-only process. */
  analyzer: FrameAnalyzer | undefined;
  metrics: ServiceMetrics;
  /** Base URL the server listens on, once listening. */
  url: string;
  close(): Promise<void>;
}

/** An override (tests, embedding) may change the level or the destination, never the redaction. */
function loggerOptions(config: Config, override?: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (override === false || (override === undefined && config.logLevel === 'silent')) return false;
  const custom = typeof override === 'object' ? override : {};
  return {
    level: config.logLevel,
    ...custom,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    serializers: {
      ...custom.serializers,
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
    },
  };
}

export async function startService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  const clock = overrides.clock ?? systemClock;
  const serveApi = config.role !== 'worker';
  const runJobs = config.role !== 'api' && overrides.runJobs !== false;
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: overrides.schema ?? config.databaseSchema });
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const metrics = new ServiceMetrics();
    await refuseKeylessStart(store.db, config.encryptionKey, config.dataDir);
    const { key, generated } = loadOrCreateKey(config.encryptionKey, config.dataDir);
    const box = new SecretBox([key, ...config.previousEncryptionKeys.map((k) => Buffer.from(k, 'base64'))]);
    await verifyStoreKey(store.db, box, clock.now());
    // API-only processes load no models: their frames are analysed by the workers.
    let analyzer: FrameAnalyzer | undefined;
    if (config.role !== 'api') {
      const raw = overrides.analyzer ?? (await defaultAnalyzer(config));
      if (!overrides.analyzer) closers.push(() => raw.close());
      analyzer = instrumentAnalyzer(raw, metrics);
      if ('stats' in raw && typeof raw.stats === 'function') registerPoolMetrics(metrics, () => (raw as AnalyzerPool).stats());
    }
    const keys = new ApiKeys(store.db, clock, config.adminKey);
    const tenantSettings = new TenantSettings(store.db, clock);
    const tenantErasure = new TenantErasure(store.db, clock, keys);
    const webhooks = new Webhooks({ db: store.db, dialect: store.dialect, box, clock, allowPrivate: config.allowPrivateWebhooks });
    let worker: AnalysisWorker | undefined;
    let listeningAt = `http://${config.host}:${config.port}`;
    const checks = new LivenessChecks({
      db: store.db,
      readPolledCheck: polledCheckReader(store),
      box,
      clock,
      publicUrl: () => config.publicUrl ?? listeningAt,
      defaultThreshold: config.defaultThreshold,
      tenantThreshold: (tenant) => tenantSettings.defaultThreshold(tenant),
      defaultExpiresInSeconds: config.defaultExpiresInSeconds,
      capture: { ...DEFAULT_CAPTURE, maxAttempts: config.captureAttempts, ...overrides.capture },
      analyzer,
      onAnalysisQueued: () => worker?.wake(),
      retention: { resultTtlSeconds: config.resultTtlSeconds, probeImageTtlSeconds: config.probeImageTtlSeconds },
      allowPrivateWebhooks: config.allowPrivateWebhooks,
    });
    registerStoreGauges(metrics, store, clock);
    const sandbox = new Sandbox({ db: store.db, box, clock, checks, auditImageTtlSeconds: config.auditImageTtlSeconds });
    const app = await buildApp(
      { checks, keys, webhooks, tenantSettings, tenantErasure, sandbox, audit: auditLogReader(store.db) },
      {
        logger: loggerOptions(config, overrides.logger),
        version: VERSION,
        metrics,
        readiness: () => readiness(store, config.role === 'api' ? undefined : analyzer),
        routes: serveApi ? 'all' : 'ops',
        rateLimits: config.rateLimits,
        hsts: config.publicUrl?.startsWith('https:') ?? false,
        trustProxy: config.trustProxy,
        metricsToken: config.metricsToken,
        extraRoutes: async (app) => {
          await registerCapturePage(app, { branding: tenantSettings, sandbox });
          await registerConsole(app, {
            db: store.db,
            box,
            clock,
            keys,
            webhooks,
            tenantSettings,
            retention: { resultTtlSeconds: config.resultTtlSeconds, probeImageTtlSeconds: config.probeImageTtlSeconds },
            configuredAdminKey: config.adminKey,
            publicUrlIsHttps: config.publicUrl?.startsWith('https:') ?? false,
          });
        },
      },
    );
    closers.push(() => app.close());
    store.onConnectionError((error) => app.log.warn({ cause: error.message }, 'a pooled store connection broke; it is replaced on next use'));
    if (generated) app.log.warn(`generated an encryption key in ${config.dataDir}/encryption.key: back it up with the data, or set LIVECHECK_ENCRYPTION_KEY`);

    let runningSweeper: Sweeper | undefined;
    if (runJobs && analyzer) {
      const decide = overrides.decide ?? (await defaultDecide());
      worker = new AnalysisWorker({
        db: store.db,
        dialect: store.dialect,
        box,
        clock,
        analyzer,
        decide,
        auditImageTtlSeconds: config.auditImageTtlSeconds,
        logger: app.log,
        metrics,
        leaseMs: config.jobLeaseMs,
      });
      worker.start();
      const sweeper = new Sweeper(
        { db: store.db, checks, clock, logRetention: { webhookLogTtlSeconds: config.webhookLogTtlSeconds, auditLogTtlSeconds: config.auditLogTtlSeconds } },
        app.log,
      );
      sweeper.start();
      closers.push(() => sweeper.stop());
      runningSweeper = sweeper;
      const started = worker;
      closers.push(() => started.stop());
    }
    let webhookWorker: WebhookDeliveryWorker | undefined;
    if (runJobs) {
      const delivery = new WebhookDeliveryWorker({ db: store.db, dialect: store.dialect, clock, webhooks, logger: app.log, allowPrivate: config.allowPrivateWebhooks, metrics, ...(overrides.webhookResolver ? { resolve: overrides.webhookResolver } : {}) });
      delivery.start();
      const unsubscribe = onWebhookWork(() => delivery.wake());
      closers.push(async () => {
        unsubscribe();
        await delivery.stop();
      });
      webhookWorker = delivery;
    }

    const adminKey = serveApi ? await keys.bootstrapAdminKey() : undefined;
    const address = await app.listen({ port: config.port, host: config.host });
    listeningAt = address;
    app.log.info({ role: config.role, store: store.describe, address, public_url: config.publicUrl ?? address }, 'livecheck is listening');
    if (adminKey) (overrides.onAdminKeyCreated ?? ((k: string) => printAdminKey(k, address)))(adminKey);
    let closed: Promise<void> | undefined;
    return {
      app,
      store,
      checks,
      keys,
      worker,
      sweeper: runningSweeper,
      webhookWorker,
      analyzer,
      metrics,
      url: address,
      close: () => (closed ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function readiness(store: Store, analyzer: FrameAnalyzer | undefined): Promise<Readiness> {
  const checks: Record<string, string> = {};
  try {
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db);
    const names = applied.rows.map((r) => r.name);
    checks.store = 'ok';
    checks.migrations = names.includes(LATEST_MIGRATION) ? 'ok' : `behind: latest applied ${names.sort().at(-1) ?? 'none'}`;
  } catch (error) {
    checks.store = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
  checks.models = analyzer ? 'ok' : 'not used by this role';
  const ready = checks.store === 'ok' && checks.migrations === 'ok';
  return { ready, checks };
}

/** Gauges read from the store at scrape time: checks by mode and status, job queue depth and age. */
function registerStoreGauges(metrics: ServiceMetrics, store: Store, clock: Clock): void {
  // By mode too: sandbox checks (mode "test") are not live traffic and must not move live dashboards.
  metrics.registry.gauge('livecheck_checks', 'Liveness checks by mode (live or test) and status', async () => {
    const rows = await store.db
      .selectFrom('liveness_checks')
      .select(['mode', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['mode', 'status'])
      .execute();
    return rows.map((r) => [{ mode: r.mode, status: r.status }, Number(r.n)]);
  });
  metrics.registry.gauge('livecheck_jobs_queued', 'Jobs waiting or running, by kind', async () => {
    const rows = await store.db
      .selectFrom('jobs')
      .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('kind')
      .execute();
    return rows.map((r) => [{ kind: r.kind }, Number(r.n)]);
  });
  metrics.registry.gauge('livecheck_jobs_oldest_age_seconds', 'Age of the oldest queued job, by kind', async () => {
    const rows = await store.db
      .selectFrom('jobs')
      .select(['kind', (eb) => eb.fn.min<number>('created_at').as('oldest')])
      .groupBy('kind')
      .execute();
    return rows.map((r) => [{ kind: r.kind }, (clock.now() - Number(r.oldest)) / 1000]);
  });
}

function printAdminKey(key: string, address: string): void {
  process.stdout.write(
    `\nNo LIVECHECK_ADMIN_KEY was set and the store is new, so an admin key was generated.\n` +
      `It is shown this once; only its hash is stored:\n\n  ${key}\n\n` +
      `Create a tenant key with:\n  curl -X POST -H "Authorization: Bearer ${key}" -H "content-type: application/json" \\\n` +
      `       -d '{"tenant":"acme"}' ${address}/admin/api_keys\n\n` +
      `or: npx livecheck keys create --tenant acme\n\n`,
  );
}

async function defaultAnalyzer(config: Config): Promise<FrameAnalyzer> {
  const { createAnalyzerPool } = await import('./engine/analyzer-pool.js');
  const pool = createAnalyzerPool({ size: config.analysisThreads });
  await pool.ready();
  return pool;
}

async function defaultDecide(): Promise<DecideLiveness> {
  const { decideLiveness } = await import('./engine/decide.js');
  return (frames, challenge, auditImages) => decideLiveness(frames, challenge, { auditImages });
}
