// Every failure the SDK reports is one of these classes, so callers can branch with `instanceof`
// instead of parsing messages.

/** Base class of every error the client throws (aborts rethrow the signal's own reason). */
export class LivecheckError extends Error {
  override name = 'LivecheckError';
}

/**
 * The service answered with an error status. `code` is the service's stable error code
 * (`invalid_token`, `unauthorized`, `idempotency_key_reused`, …) or `unexpected_response` when the
 * answer was not livecheck's error envelope (a proxy's 502 page, for example).
 */
export class LivecheckApiError extends LivecheckError {
  override name = 'LivecheckApiError';
  readonly status: number;
  readonly code: string;
  /** Quote it when reporting a problem; absent only when the answer did not come from livecheck. */
  readonly requestId: string | undefined;
  /** The answer's Retry-After (a 429 or 503 may carry one), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, code: string, message: string, requestId: string | undefined, retryAfterMs?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryAfterMs = retryAfterMs;
  }

  /** Whether asking again later can succeed (5xx, 429); 4xx answers will not change. */
  get retriable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

/** The request never got an answer: connection refused or reset, DNS failure, TLS error. */
export class LivecheckNetworkError extends LivecheckError {
  override name = 'LivecheckNetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A request took longer than `timeoutMs`, or `waitForResult` reached its own `timeoutMs`. */
export class LivecheckTimeoutError extends LivecheckError {
  override name = 'LivecheckTimeoutError';
}

export type WebhookVerificationFailure =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_secret'
  | 'no_matching_signature'
  | 'invalid_payload';

/** A webhook request that must be rejected (answer 400 and do not act on it). */
export class WebhookVerificationError extends LivecheckError {
  override name = 'WebhookVerificationError';
  readonly reason: WebhookVerificationFailure;
  constructor(reason: WebhookVerificationFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}
