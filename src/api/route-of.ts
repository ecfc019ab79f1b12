// The matched route's template (never the URL: paths and queries carry secrets), read once per
// request: Fastify's request.routeOptions builds a new object of thirteen fields on every read, and
// the limiter, the metrics and the log line all need it.
import type { FastifyRequest } from 'fastify';

const ROUTE = Symbol('route');
type WithRoute = FastifyRequest & { [ROUTE]?: string | null };

/** The route template, e.g. `/liveness_check`, or undefined when no route matched. */
export function routeOf(request: FastifyRequest): string | undefined {
  const memo = (request as WithRoute)[ROUTE];
  if (memo !== undefined) return memo ?? undefined;
  const url = request.routeOptions.url;
  (request as WithRoute)[ROUTE] = url ?? null;
  return url;
}
