// Typed engine errors. They cross the worker boundary as {code, message} and are rebuilt on the other side.

export type EngineErrorCode =
  /** The bytes are not a decodable image, or exceed the pixel limit. */
  | 'invalid_image'
  /** The models threw on a decodable image. */
  | 'analysis_failed'
  /** The worker running the job died (crash, out of memory, killed); the job was not finished. */
  | 'worker_crashed'
  /** A worker could not load the models. */
  | 'worker_start_failed'
  /** The pool's queue is full; retry later. */
  | 'queue_full'
  /** The pool was closed before the job ran. */
  | 'analyzer_closed';

export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isEngineErrorCode(value: unknown): value is EngineErrorCode {
  return (
    value === 'invalid_image' ||
    value === 'analysis_failed' ||
    value === 'worker_crashed' ||
    value === 'worker_start_failed' ||
    value === 'queue_full' ||
    value === 'analyzer_closed'
  );
}
