// What a background loop (analysis, webhook delivery) does when an iteration fails: wait longer each
// time, up to a few seconds, so that it neither hammers a store that is down nor lingers long after
// it is back; and say so in the log at the right level.
import { storeUnavailable } from '../store/unavailable.js';

export interface LoopLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The longest wait between failed iterations: the most a loop lags once its store is back. */
export const MAX_BACKOFF_MS = 5_000;

/** The wait after another failed iteration: 1 s, doubling, at most MAX_BACKOFF_MS. */
export function nextBackoff(previousMs: number): number {
  return Math.min(MAX_BACKOFF_MS, previousMs ? previousMs * 2 : 1000);
}

/** An unreachable store is an outage (warn, one line, no stack); anything else is a bug (error). */
export function logLoopFailure(logger: LoopLogger, error: unknown, fields: object, what: string, retryInMs: number): void {
  const unavailable = storeUnavailable(error);
  if (unavailable) {
    logger.warn({ ...fields, cause: error instanceof Error ? error.message : String(error), retry_in_ms: retryInMs }, `${what}: store ${unavailable}`);
  } else {
    logger.error({ ...fields, err: error, retry_in_ms: retryInMs }, `${what} failed`);
  }
}
