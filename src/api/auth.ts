// Bearer authentication: tenant keys for checks, the admin key for key management. A missing or
// wrong key is 401 (not 403), and the answer does not say which part was wrong.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LivecheckError } from '../errors.js';
import { hashSecret } from '../security/secrets.js';
import type { ApiKeys } from '../tenancy/api-keys.js';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

const BEARER = Symbol('bearer');
interface BearerKey {
  key: string;
  /** hashSecret(key): what keys are stored and cached under, and the rate limiter's bucket. */
  hash: string;
}
type WithBearer = FastifyRequest & { [BEARER]?: BearerKey | null };

/** The request's bearer key and its digest, worked out once: the limiter and authentication both need them. */
export function bearerKey(request: FastifyRequest): BearerKey | undefined {
  const memo = (request as WithBearer)[BEARER];
  if (memo !== undefined) return memo ?? undefined;
  const key = bearer(request);
  const found = key === undefined ? null : { key, hash: hashSecret(key) };
  (request as WithBearer)[BEARER] = found;
  return found ?? undefined;
}

/**
 * Callback style, answered synchronously when the key was seen in the last few seconds: every poll
 * passes here, and an async hook costs a promise and a turn of the event loop each time.
 */
export function requireTenant(keys: ApiKeys) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    const found = bearerKey(request);
    const cached = found ? keys.cachedTenant(found.key, found.hash) : undefined;
    if (cached) {
      request.tenant = cached;
      return done();
    }
    (found ? keys.authenticateTenant(found.key) : Promise.resolve(undefined)).then(
      (principal) => {
        if (!principal) return done(new LivecheckError('unauthorized', 'send a valid API key as "Authorization: Bearer lc_…"'));
        request.tenant = principal;
        done();
      },
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

export function requireAdmin(keys: ApiKeys) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const key = bearer(request);
    if (!key || !(await keys.authenticateAdmin(key))) {
      throw new LivecheckError('unauthorized', 'send the admin key as "Authorization: Bearer …"');
    }
  };
}

/** The principal set by requireTenant; its absence is a wiring bug, not a client error. */
export function tenantOf(request: FastifyRequest) {
  if (!request.tenant) throw new Error('route is missing requireTenant');
  return request.tenant;
}
