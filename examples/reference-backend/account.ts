// Sign-in by name only, standing in for your app's real sign-in: all the flow needs is a session
// that belongs to one user.
import { HttpError, type Routes, fromOwnPages, readForm, seeOther, sendHtml } from './http.js';
import { homePage } from './pages.js';
import type { SessionStore } from './sessions.js';
import type { AppStore } from './store.js';

export function accountRoutes(store: AppStore, sessions: SessionStore, publicOrigin: string): Routes {
  return {
    'GET /': async ({ response, session }) => {
      const user = session ? store.user(session.userId) : undefined;
      sendHtml(response, 200, homePage(user, user ? store.latestVerification(user.id) : undefined));
    },

    'POST /sign-in': async ({ request, response, session }) => {
      if (!fromOwnPages(request, publicOrigin)) throw new HttpError(403, 'cross-site request refused');
      const name = (await readForm(request)).get('name')?.trim() ?? '';
      if (name.length === 0 || name.length > 64) throw new HttpError(400, 'a name of 1 to 64 characters is required');
      if (session) sessions.end(session, response);
      sessions.start(response, store.createUser(name).id);
      seeOther(response, '/');
    },

    'POST /sign-out': async ({ request, response, session }) => {
      if (!fromOwnPages(request, publicOrigin)) throw new HttpError(403, 'cross-site request refused');
      if (session) sessions.end(session, response);
      seeOther(response, '/');
    },
  };
}
