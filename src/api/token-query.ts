// `?token=` as the check routes read it. A token too long for the schema, or given twice, is a
// malformed token, and malformed, unknown and foreign tokens get one answer (invalid_token): the
// shape of the refusal must not tell a caller anything about the token.
import type { FastifyRequest } from 'fastify';

/**
 * For routes declared with `attachValidation: true` and the TokenQuery schema: the token to look
 * up, or '' (which the service refuses like any malformed token) when `token` was present but
 * invalid. Any other validation failure (no token, an unknown parameter) is thrown as Fastify would.
 */
export function tokenOf(request: Pick<FastifyRequest, 'validationError' | 'query'>): string {
  const query = request.query as { token?: unknown } | null;
  if (!request.validationError && typeof query?.token === 'string') return query.token;
  const error = request.validationError;
  if (!error) throw new Error('tokenOf: the route must declare TokenQuery');
  if (error.validation?.some((issue: { instancePath?: string }) => issue.instancePath === '/token')) return '';
  throw error;
}
