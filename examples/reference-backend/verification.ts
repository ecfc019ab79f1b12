// The verification flow: create a check for the signed-in user, send them to its link, and when they
// come back decide only on the result read server-side. README.md ("Integration guide") walks
// through this file.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
// In your app: from '@livecheck/client'.
import { type LivecheckClient, LivecheckTimeoutError, type TerminalCheck, isTerminal } from '../../packages/client/src/index.js';
import { HttpError, type Routes, fromOwnPages, seeOther, sendHtml, sendJson } from './http.js';
import { checkingPage, mismatchPage, outcomePage } from './pages.js';
import type { Session } from './sessions.js';
import type { AppStore, VerificationOutcome } from './store.js';

export interface VerificationDeps {
  livecheck: LivecheckClient;
  store: AppStore;
  publicUrl: string;
  /** How long one GET /verify/status waits for a result before answering "checking". */
  statusWaitMs: number;
}

export function verificationRoutes({ livecheck, store, publicUrl, statusWaitMs }: VerificationDeps): Routes {
  const publicOrigin = new URL(publicUrl).origin;
  return {
    'POST /verify': async ({ request, response, session }) => {
      if (!fromOwnPages(request, publicOrigin)) throw new HttpError(403, 'cross-site request refused');
      if (!session) return seeOther(response, '/');
      const check = await livecheck.createCheck({
        reference: `user:${session.userId}`,
        redirectUrl: `${publicUrl}/verify/return`,
        webhookUrl: `${publicUrl}/webhooks/livecheck`,
        // This app decides on `passed` and never shows the face, so livecheck need not keep it.
        retainImage: false,
      });
      store.startVerification(session.userId, check.id, check.token);
      session.livecheck = { checkId: check.id, token: check.token };
      seeOther(response, check.url);
    },

    'GET /verify/return': async ({ response, url, session }) => {
      const started = startedInThisSession(session, url.searchParams.get('lc_token'));
      if (!started) return sendHtml(response, 400, mismatchPage());
      // The stored token, not the parameter, reads the result.
      const check = await livecheck.getCheck(started.token);
      if (!isTerminal(check)) {
        const nonce = randomBytes(16).toString('base64');
        return sendHtml(response, 200, checkingPage(nonce), nonce);
      }
      sendHtml(response, 200, outcomePage(store.recordOutcome(started.checkId, outcomeOf(check))));
    },

    'GET /verify/status': async ({ response, session }) => {
      const started = session?.livecheck;
      if (!started) return sendJson(response, 401, { error: 'no verification in this session' });
      const recorded = store.verification(started.checkId)?.outcome;
      if (recorded) return sendJson(response, 200, recorded);
      const signal = abortedWhenClosed(response);
      let check: TerminalCheck;
      try {
        // The SDK's polling (2.5 s, then backing off, never faster than Retry-After), bounded so
        // that the page gets an answer and asks again.
        check = await livecheck.waitForResult(started.token, { timeoutMs: statusWaitMs, signal });
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof LivecheckTimeoutError) return sendJson(response, 200, { state: 'checking' });
        throw error;
      }
      sendJson(response, 200, store.recordOutcome(started.checkId, outcomeOf(check)));
    },
  };
}

/**
 * The check this session started, when `lc_token` names it. A parameter can be anything: another
 * user's token, an old one, a guess. Compared in constant time, like any secret.
 */
function startedInThisSession(session: Session | undefined, lcToken: string | null): Session['livecheck'] {
  const started = session?.livecheck;
  if (!started || lcToken === null) return undefined;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(lcToken), digest(started.token)) ? started : undefined;
}

/** What the app records, from a result read with the authenticated GET: `passed`, and why not. */
export function outcomeOf(check: TerminalCheck): VerificationOutcome {
  const decidedAt = new Date().toISOString();
  if (check.status === 'expired') return { state: 'not_verified', reason: 'expired', decidedAt };
  if (check.result.passed) return { state: 'verified', decidedAt };
  return { state: 'not_verified', reason: check.result.failureReason ?? 'not_passed', decidedAt };
}

/** Stops waiting on livecheck's behalf once the browser has gone. */
function abortedWhenClosed(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('the browser closed the request'));
  });
  return controller.signal;
}
