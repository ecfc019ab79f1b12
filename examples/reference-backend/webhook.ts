// POST /webhooks/livecheck: a signed event says that a check ended. Verify the signature, then read
// the result with the authenticated GET (the event carries no result, and its status is no
// evidence) and record it. README.md ("Integration guide") walks through this file.
// In your app: from '@livecheck/client'.
import {
  type LivecheckClient,
  type WebhookEvent,
  WebhookVerificationError,
  isTerminal,
  verifyWebhook,
} from '../../packages/client/src/index.js';
import { type Routes, readBody, sendEmpty, sendJson } from './http.js';
import type { AppStore } from './store.js';
import { outcomeOf } from './verification.js';

export interface WebhookDeps {
  livecheck: LivecheckClient;
  store: AppStore;
  /** The tenant's per-check secret (`whsec_…`), which signs deliveries to a check's webhook_url. */
  webhookSecret: string;
  log: (message: string, error: unknown) => void;
}

export function webhookRoutes({ livecheck, store, webhookSecret, log }: WebhookDeps): Routes {
  const handled = new HandledEvents();
  const running = new Map<string, Promise<void>>();

  async function recordFromServer(event: WebhookEvent): Promise<void> {
    const verification = store.verification(event.data.id);
    // Not a check this app created, or one already decided: nothing to read.
    if (!verification || verification.outcome) return;
    // Bounded, so that livecheck gets its answer within its 10 s; on a 503 it delivers again later.
    const check = await livecheck.getCheck(verification.token, { signal: AbortSignal.timeout(8000) });
    if (isTerminal(check)) store.recordOutcome(verification.checkId, outcomeOf(check));
  }

  return {
    'POST /webhooks/livecheck': async ({ request, response }) => {
      // The bytes as received: the signature covers them, not a re-serialisation of parsed JSON.
      const rawBody = await readBody(request, 64 * 1024);
      let event: WebhookEvent;
      try {
        event = await verifyWebhook(rawBody, request.headers, webhookSecret);
      } catch (error) {
        if (error instanceof WebhookVerificationError) return sendJson(response, 400, { error: error.reason });
        throw error;
      }
      // Retries and redeliveries keep the webhook-id: do the work once, also when two overlap.
      if (handled.has(event.id)) return sendEmpty(response, 204);
      let work = running.get(event.id);
      if (!work) {
        work = recordFromServer(event)
          .then(() => handled.add(event.id))
          .finally(() => running.delete(event.id));
        running.set(event.id, work);
      }
      try {
        await work;
      } catch (error) {
        log('webhook: reading the check failed; livecheck will deliver again', error);
        return sendEmpty(response, 503);
      }
      sendEmpty(response, 204);
    },
  };
}

const REMEMBER_MS = 2 * 24 * 3600_000;

/** webhook-ids already handled, kept two days: livecheck retries one event for about a day. */
class HandledEvents {
  private readonly seen = new Map<string, number>();

  has(id: string): boolean {
    return this.seen.has(id);
  }

  add(id: string): void {
    const now = Date.now();
    this.seen.set(id, now);
    // A Map iterates in insertion order: the oldest come first.
    for (const [old, at] of this.seen) {
      if (now - at < REMEMBER_MS) break;
      this.seen.delete(old);
    }
  }
}
