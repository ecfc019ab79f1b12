// One delivery attempt: the event's stored body, POSTed with the Standard Webhooks headers and
// one `v1,` signature per active secret (two during a rotation). 2xx is delivered; anything else,
// a redirect included, is a failure to retry.
import { signWebhook } from './signature.js';
import { DeliveryRefused, type Resolver, postWebhook } from './transport.js';

export interface AttemptOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  userAgent: string;
  resolve?: Resolver;
}

export type AttemptOutcome =
  | { delivered: true; statusCode: number }
  | { delivered: false; statusCode: number | null; error: string; refused: boolean };

export async function attemptDelivery(
  target: { url: string; secrets: string[] },
  event: { id: string; payload: string },
  now: number,
  options: AttemptOptions,
): Promise<AttemptOutcome> {
  try {
    const headers = {
      'content-type': 'application/json',
      'user-agent': options.userAgent,
      ...signWebhook(target.secrets, event.id, Math.floor(now / 1000), event.payload),
    };
    const statusCode = await postWebhook(target.url, event.payload, headers, options);
    if (statusCode >= 200 && statusCode < 300) return { delivered: true, statusCode };
    const error = statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode}: redirects are not followed` : `HTTP ${statusCode}`;
    return { delivered: false, statusCode, error, refused: false };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { delivered: false, statusCode: null, error: message, refused: error instanceof DeliveryRefused };
  }
}
