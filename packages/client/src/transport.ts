// One HTTP exchange with the service, bounded by a timeout, and the retry loop around it. Errors
// come out as the SDK's typed errors; an abort by the caller rethrows the signal's reason.
import { LivecheckApiError, LivecheckNetworkError, LivecheckTimeoutError } from './errors.js';
import { type BackoffPolicy, backoffDelay, parseRetryAfter } from './timing.js';
import type { Clock } from './types.js';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, starting with `/`. */
  path: string;
  headers?: Record<string, string>;
  json?: unknown;
}

/** An HTTP answer, read completely. `json` is undefined when the body was not JSON. */
export interface ApiAnswer {
  status: number;
  json: unknown;
  requestId: string | undefined;
  retryAfterMs: number | undefined;
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  timeoutMs: number;
  clock: Clock;
  retry: BackoffPolicy & { maxRetries: number };
  userAgent: string;
}

export class Transport {
  constructor(private readonly options: TransportOptions) {}

  get clock(): Clock {
    return this.options.clock;
  }

  /** One attempt. Throws LivecheckNetworkError / LivecheckTimeoutError when no answer came. */
  async send(request: ApiRequest, signal?: AbortSignal): Promise<ApiAnswer> {
    signal?.throwIfAborted();
    const { baseUrl, apiKey, timeoutMs, userAgent } = this.options;
    const controller = new AbortController();
    const timeout = new LivecheckTimeoutError(`${request.method} ${request.path.split('?')[0]} got no answer within ${timeoutMs} ms`);
    const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${apiKey}`, 'user-agent': userAgent, ...request.headers };
    if (request.json !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await this.options.fetch(`${baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: request.json === undefined ? undefined : JSON.stringify(request.json),
        signal: controller.signal,
        // The API never redirects; a 3xx (a misconfigured proxy) surfaces as an unexpected answer.
        redirect: 'manual',
      });
      // The body is read under the same timeout: a stalled body is as bad as a stalled connect.
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return {
        status: response.status,
        json,
        requestId: response.headers.get('x-request-id') ?? undefined,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.options.clock.now()),
        attempt: 1,
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (controller.signal.reason === timeout) throw timeout;
      const detail = error instanceof Error ? describeCause(error) : String(error);
      throw new LivecheckNetworkError(`${request.method} ${baseUrl}${request.path.split('?')[0]} failed: ${detail}`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Sends, and on a network error, timeout, 5xx or 429 sends again after a backoff that honours
   * Retry-After. Returns the last answer (which may still be a 5xx) or throws the last network error.
   * Only for requests that are safe to repeat: GET, DELETE, and POST with an Idempotency-Key.
   */
  async sendWithRetries(request: ApiRequest, signal?: AbortSignal): Promise<ApiAnswer> {
    const { retry, clock } = this.options;
    for (let n = 0; ; n++) {
      let retryAfterMs: number | undefined;
      try {
        const answer = { ...(await this.send(request, signal)), attempt: n + 1 };
        if (!isRetriableStatus(answer.status) || n >= retry.maxRetries) return answer;
        retryAfterMs = answer.retryAfterMs;
      } catch (error) {
        if (!isRetriableError(error) || n >= retry.maxRetries) throw error;
      }
      await clock.sleep(backoffDelay(retry, n, clock.random(), retryAfterMs), signal);
    }
  }
}

export function isRetriableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

export function isRetriableError(error: unknown): boolean {
  return error instanceof LivecheckNetworkError || error instanceof LivecheckTimeoutError || (error instanceof LivecheckApiError && error.retriable);
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED…) is in `cause`. */
function describeCause(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${error.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return error.message;
}
