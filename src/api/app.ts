// Builds the HTTP app: routes, the error envelope, security headers, the OpenAPI document at
// /openapi.json and a readable reference at /docs (assets served from this origin, no CDN).
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply, type FastifyServerOptions } from 'fastify';
import { installErrorHandlers, sendError } from './errors.js';
import { registerRateLimits } from './rate-limit.js';
import { registerAdminApiKeys } from './routes/admin-api-keys.js';
import { registerAdminAuditLog } from './routes/admin-audit-log.js';
import { registerAdminWebhooks } from './routes/admin-webhooks.js';
import { registerCapture } from './routes/capture.js';
import { registerCreateCheck } from './routes/liveness-check-create.js';
import { registerGetCheck } from './routes/liveness-check-get.js';
import { registerDeleteCheck } from './routes/liveness-check-delete.js';
import { BoundingBox, ErrorEnvelope } from './schemas.js';
import type { RateLimits } from '../config.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import type { ApiDeps, App } from './types.js';

/** Paths and query strings carry secrets (capture ids, tokens): logs see neither. */
export function redactUrl(url: string): string {
  return url.split('?')[0]?.replace(/cap_[A-Za-z0-9]+/g, 'cap_…') ?? '';
}

/** On every response; a route may set its own CSP and caching (the capture page, /docs). */
function securityHeaders(reply: FastifyReply, hsts: boolean | undefined): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('content-security-policy')) {
    reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    reply.header('x-frame-options', 'DENY');
  }
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  if (hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
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
  /** Lets other parts (the capture page) add their routes before the app is sealed. */
  extraRoutes?: (app: App) => Promise<void> | void;
}

export async function buildApp(deps: ApiDeps, options: BuildAppOptions): Promise<App> {
  const app = Fastify({
    logger: options.logger,
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
    ajv: { customOptions: { removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorEnvelope);
  app.addSchema(BoundingBox);
  installErrorHandlers(app);
  registerRateLimits(app, options.rateLimits);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the URL: paths and queries carry secrets.
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.httpRequests.inc({ route, method: request.method, status: String(reply.statusCode) });
    options.metrics.httpDuration.observe(reply.elapsedTime / 1000, { route });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    securityHeaders(reply, options.hsts);
    return payload;
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const readiness = await options.readiness();
    return reply.status(readiness.ready ? 200 : 503).send(readiness);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4').send(await options.metrics.registry.render()),
  );
  if (options.routes === 'ops') return app;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'livecheck',
        version: options.version,
        description: 'Self-hosted face liveness checks. Create a check, send the user its link, read the result from your backend.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'checks', description: 'For your backend, with a tenant API key' },
        { name: 'capture', description: 'The capture protocol, used by the hosted page and native clients' },
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
    uiConfig: { docExpansion: 'list', deepLinking: false, validatorUrl: null },
    theme: { title: 'livecheck API reference' },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAdminApiKeys(app, deps);
  registerAdminWebhooks(app, deps);
  registerCreateCheck(app, deps);
  registerGetCheck(app, deps);
  registerDeleteCheck(app, deps);
  registerAdminAuditLog(app, deps);
  registerCapture(app, deps);
  await options.extraRoutes?.(app);
  return app;
}
