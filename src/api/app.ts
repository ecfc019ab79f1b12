// Builds the HTTP app: routes, the error envelope, security headers, the OpenAPI document at
// /openapi.json and a readable reference at /docs (assets served from this origin, no CDN).
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply, type FastifyServerOptions, LogController } from 'fastify';
import { bearerKey } from './auth.js';
import { installErrorHandlers, sendError } from './errors.js';
import { registerRateLimits } from './rate-limit.js';
import { routeOf } from './route-of.js';
import { registerAdminApiKeys } from './routes/admin-api-keys.js';
import { registerAdminAuditLog } from './routes/admin-audit-log.js';
import { registerAdminTenantErase } from './routes/admin-tenant-erase.js';
import { registerAdminTenantSettings } from './routes/admin-tenant-settings.js';
import { registerAdminWebhooks } from './routes/admin-webhooks.js';
import { registerCapture } from './routes/capture.js';
import { registerCreateCheck } from './routes/liveness-check-create.js';
import { registerGetCheck } from './routes/liveness-check-get.js';
import { registerDeleteCheck } from './routes/liveness-check-delete.js';
import { registerSandboxCaptureSimulate } from './routes/sandbox-capture-simulate.js';
import { registerSandboxSimulate } from './routes/sandbox-simulate.js';
import { BoundingBox, ErrorEnvelope, WebhookEvent, errorRef } from './schemas.js';
import type { RateLimits, TrustProxy } from '../config.js';
import { secretsEqual } from '../security/secrets.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import type { ApiDeps, App } from './types.js';

/** Paths and query strings carry secrets (capture ids, tokens): logs see neither. */
export function redactUrl(url: string): string {
  return url.split('?')[0]?.replace(/cap_[A-Za-z0-9]+/g, 'cap_…') ?? '';
}

/**
 * Defaults for every response, set when the request arrives; a route may replace them with its own
 * CSP and caching (the capture page, /docs). Fastify keeps them on error replies too.
 */
function securityHeaders(reply: FastifyReply, hsts: boolean | undefined): void {
  reply.headers(hsts ? SECURE_DEFAULTS_HSTS : SECURE_DEFAULTS);
}

const SECURE_DEFAULTS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};
const SECURE_DEFAULTS_HSTS = { ...SECURE_DEFAULTS, 'strict-transport-security': 'max-age=31536000; includeSubDomains' };

/**
 * Off by default: otherwise any client could pick its own address with X-Forwarded-For and step
 * around the per-address limit. Fastify ignores a bare hop count (it cannot check the peer), so a
 * count becomes "trust the nearest N hops", for a service reachable only through its proxies.
 */
function fastifyTrustProxy(setting: TrustProxy | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === undefined || setting === false || setting === 0) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
}

export interface BuildAppOptions {
  logger: FastifyServerOptions['logger'];
  version: string;
  metrics: ServiceMetrics;
  /** What /readyz reports: store reachable, migrations current, models loaded. */
  readiness: () => Promise<Readiness>;
  /** 'ops' serves only /healthz, /readyz and /metrics (a worker process). */
  routes: 'all' | 'ops';
  /** Abuse limits (src/api/rate-limit.ts); none when absent. */
  rateLimits?: RateLimits;
  /** Send Strict-Transport-Security: the public URL is https. */
  hsts?: boolean;
  /** Which proxies' X-Forwarded-For to believe for request.ip (LIVECHECK_TRUST_PROXY); none when absent. */
  trustProxy?: TrustProxy;
  /** When set, /metrics answers only requests that bear it (LIVECHECK_METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** Lets other parts (the capture page) add their routes before the app is sealed. */
  extraRoutes?: (app: App) => Promise<void> | void;
}

export async function buildApp(deps: ApiDeps, options: BuildAppOptions): Promise<App> {
  const app = Fastify({
    logger: options.logger,
    // Fastify's two lines per request (incoming, completed) are replaced by one, in onResponse below.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req_${randomUUID().replaceAll('-', '')}`,
    requestIdHeader: false,
    // Bad percent-encoding and over-long path parameters are refused before routing, where no hook
    // runs: answer with the envelope and the headers instead of Fastify's body, which echoes the path.
    frameworkErrors: (_error, request, reply) => {
      reply.header('x-request-id', request.id);
      securityHeaders(reply, options.hsts);
      return sendError(reply, request, 'invalid_request', 'the URL is malformed or a path segment is too long');
    },
    bodyLimit: 64 * 1024,
    trustProxy: fastifyTrustProxy(options.trustProxy),
    ajv: { customOptions: { removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorEnvelope);
  app.addSchema(BoundingBox);
  app.addSchema(WebhookEvent);
  installErrorHandlers(app);
  // Any documented route can also answer 429 (rate limits) and 503 (the store is unreachable or
  // full), both with the envelope and Retry-After: say so in each one's documented responses.
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!response || route.schema?.hide) return;
    response['429'] ??= errorRef;
    response['503'] ??= errorRef;
  });
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    securityHeaders(reply, options.hsts);
    done();
  });
  registerRateLimits(app, options.rateLimits);

  // Each (route, method, status) series is looked up once; there are few (route templates only).
  const series = new Map<string, { count: () => void; seconds: (value: number) => void }>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route template, never the URL: paths and queries carry secrets.
    const matched = routeOf(request);
    const route = matched ?? 'unmatched';
    const key = `${route} ${request.method} ${reply.statusCode}`;
    let found = series.get(key);
    if (!found) {
      found = {
        count: options.metrics.httpRequests.series({ route, method: request.method, status: String(reply.statusCode) }),
        seconds: options.metrics.httpDuration.bind({ route }),
      };
      series.set(key, found);
    }
    found.count();
    found.seconds(reply.elapsedTime / 1000);
    // One line per request: the route template (and a redacted path only when no route matched).
    request.log.info(
      { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ...(matched ? {} : { path: redactUrl(request.url) }) },
      'request done',
    );
    done();
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const readiness = await options.readiness();
    return reply.status(readiness.ready ? 200 : 503).send(readiness);
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    // The same port serves the public capture page: a token keeps the figures to the scraper.
    const token = options.metricsToken;
    if (token !== undefined && !secretsEqual(bearerKey(request)?.key ?? '', token)) {
      return sendError(reply, request, 'unauthorized', 'send the metrics token as "Authorization: Bearer …" (LIVECHECK_METRICS_TOKEN)');
    }
    return reply.header('content-type', 'text/plain; version=0.0.4').send(await options.metrics.registry.render());
  });
  if (options.routes === 'ops') return app;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'livecheck',
        version: options.version,
        description: 'Self-hosted face liveness checks. Create a check, send the user its link, read the result from your backend. To try it: create a test key (POST /admin/api_keys with {"tenant":"acme","mode":"test"} or `npx livecheck keys create --tenant acme --mode test`), click Authorize, create a check, decide it with the sandbox simulate call and read it back.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A tenant API key: lc_… (live) or lc_test_… (test, the sandbox); the admin key for /admin routes. To try the API here, create a test key and paste it under Authorize.',
          },
        },
      },
      tags: [
        { name: 'checks', description: 'For your backend, with a tenant API key' },
        { name: 'capture', description: 'The capture protocol, used by the hosted page and native clients' },
        { name: 'sandbox', description: 'Test mode: decide checks made with a test key (lc_test_…) without a camera' },
        { name: 'admin', description: 'With the admin key' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Same-origin only: no validator badge fetched from swagger.io, no remote fonts or styles.
    transformStaticCSP: () =>
      "default-src 'self'; base-uri 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
    // Try-it-out on by default: a reader pastes a test key under Authorize and calls every endpoint from
    // this page (same-origin fetches, allowed by default-src 'self' above).
    uiConfig: { docExpansion: 'list', deepLinking: false, validatorUrl: null, tryItOutEnabled: true, persistAuthorization: false, displayRequestDuration: true },
    theme: { title: 'livecheck API reference' },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAdminApiKeys(app, deps);
  registerAdminWebhooks(app, deps);
  registerAdminTenantSettings(app, deps);
  registerAdminTenantErase(app, deps);
  registerCreateCheck(app, deps);
  registerGetCheck(app, deps);
  registerDeleteCheck(app, deps);
  registerAdminAuditLog(app, deps);
  registerCapture(app, deps);
  registerSandboxSimulate(app, deps);
  registerSandboxCaptureSimulate(app, deps);
  await options.extraRoutes?.(app);
  return app;
}
