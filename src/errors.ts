// Domain errors: a stable machine code and a message a developer can act on. The API maps each
// code to one HTTP status (src/api/errors.ts); domain code never speaks HTTP.

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_frame'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'check_finished'
  | 'attempt_superseded'
  | 'link_expired'
  | 'capture_not_started'
  | 'too_many_attempts'
  | 'too_many_frames'
  | 'idempotency_key_reused'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal_error';

export class LivecheckError extends Error {
  override name = 'LivecheckError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
