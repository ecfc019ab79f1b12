// One error envelope for every failure: {error:{code,message,request_id}}, one code → status map.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, LivecheckError } from '../errors.js';
import { storeUnavailable } from '../store/unavailable.js';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 400,
  invalid_frame: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  check_finished: 409,
  attempt_superseded: 409,
  capture_not_started: 409,
  too_many_attempts: 409,
  link_expired: 410,
  idempotency_key_reused: 422,
  too_many_frames: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal_error: 500,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

export function sendError(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, message: string) {
  if (code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
  return reply.status(statusOf(code)).send({ error: { code, message, request_id: request.id } });
}

/** Maps Fastify's own errors (validation, body size, content type) into the envelope. */
function classify(error: FastifyError): { code: ErrorCode; message: string } {
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    const first = error.validation[0];
    const extra = first?.params && typeof first.params === 'object' ? (first.params as { additionalProperty?: unknown }).additionalProperty : undefined;
    if (typeof extra === 'string') {
      const path = `${where}${first?.instancePath ?? ''}`.replace(/\//g, '.');
      return { code: 'invalid_request', message: `${path}: unknown field "${extra}"` };
    }
    const detail = error.message.startsWith(where) ? error.message.slice(where.length) : `: ${error.message}`;
    return { code: 'invalid_request', message: `${where}${detail}`.replace(/^(\w+)\//, '$1.') };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', message: 'request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', message: 'send application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'invalid_request', message: 'body is not valid JSON' };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'invalid_request', message: error.message };
  }
  return { code: 'internal_error', message: 'internal error; quote the request_id when reporting it' };
}

/** Seconds a client is asked to wait when the store is unreachable. */
export const STORE_RETRY_AFTER_SECONDS = 2;

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof LivecheckError) return sendError(reply, request, error.code, error.message);
    const unavailable = storeUnavailable(error);
    if (unavailable) {
      // Not a bug: one short line per request, not a stack; a full disk needs someone, an outage passes.
      if (unavailable === 'full') request.log.error({ cause: error.message }, 'store full: free disk space');
      else request.log.warn({ cause: error.message }, 'store unreachable');
      reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
      const what = unavailable === 'full' ? 'its store is full' : 'it cannot reach its store';
      return sendError(reply, request, 'unavailable', `the service cannot take this request now: ${what}; retry after ${STORE_RETRY_AFTER_SECONDS} s`);
    }
    const { code, message } = classify(error);
    // Raw messages of unexpected errors stay in the log, never in the response.
    if (code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, request, code, message);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
