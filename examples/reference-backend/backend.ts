// The reference backend: a web app whose signed-in users verify with livecheck. A request listener
// for node:http, so that it runs in tests in-process and in main.ts as a server.
import type { IncomingMessage, ServerResponse } from 'node:http';
// In your app: from '@livecheck/client'.
import { LivecheckClient, LivecheckError } from '../../packages/client/src/index.js';
import { accountRoutes } from './account.js';
import { HttpError, type Routes, sendHtml } from './http.js';
import { errorPage } from './pages.js';
import { SessionStore } from './sessions.js';
import { AppStore } from './store.js';
import { verificationRoutes } from './verification.js';
import { webhookRoutes } from './webhook.js';

export interface ReferenceBackendOptions {
  /** Where this backend reaches livecheck's API, e.g. `http://livecheck.internal:3000`. */
  livecheckUrl: string;
  /** A tenant API key (`lc_…`). It stays on this server. */
  apiKey: string;
  /** The tenant's per-check webhook secret (`whsec_…`), from `GET /admin/tenants/{tenant}/webhook_secret`. */
  webhookSecret: string;
  /** This backend's public base URL: livecheck sends users back to it and posts webhooks to it. */
  publicUrl: string;
  /** How long one GET /verify/status waits for a result before answering "checking" (default 20 000). */
  statusWaitMs?: number;
  /** Passed to the SDK (default: the global fetch). */
  fetch?: typeof fetch;
  /** Unexpected failures; tokens are never part of them. Default: console.error. */
  log?: (message: string, error: unknown) => void;
}

export interface ReferenceBackend {
  /** The request listener: `createServer(backend.handle)`. */
  handle(request: IncomingMessage, response: ServerResponse): void;
}

export function createReferenceBackend(options: ReferenceBackendOptions): ReferenceBackend {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(publicUrl)) throw new TypeError(`publicUrl must be an http(s) origin without a path, got ${JSON.stringify(options.publicUrl)}`);
  if (!options.webhookSecret.startsWith('whsec_')) throw new TypeError('webhookSecret must be a whsec_… secret');
  const log = options.log ?? ((message, error) => console.error(message, error));

  const livecheck = new LivecheckClient({
    baseUrl: options.livecheckUrl,
    apiKey: options.apiKey,
    timeoutMs: 10_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const store = new AppStore();
  const sessions = new SessionStore(publicUrl.startsWith('https:'));
  const routes: Routes = {
    ...accountRoutes(store, sessions, new URL(publicUrl).origin),
    ...verificationRoutes({ livecheck, store, publicUrl, statusWaitMs: options.statusWaitMs ?? 20_000 }),
    ...webhookRoutes({ livecheck, store, webhookSecret: options.webhookSecret, log }),
  };

  async function dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const route = `${request.method ?? 'GET'} ${request.url?.split('?')[0] ?? '/'}`;
    try {
      // Only the path and query of request.url are used, never a host it might name.
      const url = new URL(`http://backend.invalid${request.url ?? '/'}`);
      const handler = routes[`${request.method ?? 'GET'} ${url.pathname}`];
      if (!handler) throw new HttpError(404, 'Not found');
      await handler({ request, response, url, session: sessions.find(request) });
    } catch (error) {
      if (response.headersSent) return log(`${route} failed after answering`, error);
      if (error instanceof HttpError) return sendHtml(response, error.status, errorPage(error.status, error.message));
      log(`${route} failed`, error);
      // The SDK's errors (livecheck unreachable, a 5xx after retries, a bad key) are an upstream failure.
      const status = error instanceof LivecheckError ? 502 : 500;
      sendHtml(response, status, errorPage(status, 'Verification is unavailable right now. Please try again.'));
    }
  }

  return {
    handle: (request, response) => void dispatch(request, response),
  };
}
