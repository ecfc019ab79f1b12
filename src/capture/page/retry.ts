// Repeats a protocol call that failed on the way (offline, 5xx) a few times before giving up.
import { CaptureApiError, NetworkError } from './protocol-client.js';

export function isRepeatable(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof CaptureApiError && error.transient);
}

export async function withRetry<T>(call: () => Promise<T>, pausesMs: readonly number[] = [500, 1500, 3000]): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await call();
    } catch (error) {
      const pause = pausesMs[i];
      if (!isRepeatable(error) || pause === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
