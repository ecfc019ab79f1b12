// The review console in the browser: signs in, then routes between the checks list, a case, the
// overview and the tenant settings by the URL's hash (so the back button and links work).
import { ApiError, type Session, call, useSession } from './api.js';
import { h, replaceChildren } from './dom.js';
import { t, useMessages } from './i18n.js';
import { renderCase } from './views/case.js';
import { renderChecks } from './views/checks.js';
import { renderOverview } from './views/overview.js';
import { renderSettings } from './views/settings.js';
import { renderSignIn } from './views/sign-in.js';
import { type View, renderShell } from './views/shell.js';

const root = document.getElementById('app');
useMessages(root);

/** Stops the current view's timers (live updates, countdowns) when another replaces it. */
let stopView: () => void = () => undefined;

function route(session: Session, main: HTMLElement, setCurrent: (view: View) => void): void {
  stopView();
  stopView = () => undefined;
  const hash = location.hash.replace(/^#/, '') || '/checks';
  const [path = '/checks', search = ''] = hash.split('?');
  const params = new URLSearchParams(search);
  const caseMatch = /^\/checks\/([A-Za-z0-9-]{1,64})$/.exec(path);
  let view: View = 'checks';
  let stop: () => void;
  if (caseMatch?.[1]) {
    stop = renderCase(main, session, caseMatch[1]);
  } else if (path === '/overview') {
    view = 'overview';
    stop = renderOverview(main, session, params);
  } else if (path === '/settings') {
    view = 'settings';
    stop = renderSettings(main, session, params);
  } else {
    stop = renderChecks(main, session, params);
  }
  stopView = stop;
  setCurrent(view);
  main.focus({ preventScroll: true });
}

function signedIn(session: Session): void {
  if (!root) return;
  useSession(session, showSignIn);
  const { main, setCurrent } = renderShell(root, session, async () => {
    try {
      await call('DELETE', '/console/api/session');
    } finally {
      showSignIn();
    }
  });
  const onHash = () => route(session, main, setCurrent);
  window.onhashchange = onHash;
  onHash();
}

function showSignIn(): void {
  if (!root) return;
  stopView();
  stopView = () => undefined;
  window.onhashchange = null;
  renderSignIn(root, signedIn);
}

async function boot(): Promise<void> {
  if (!root) return;
  root.removeAttribute('aria-busy');
  try {
    signedIn(await call<Session>('GET', '/console/api/session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) showSignIn();
    else replaceChildren(root, h('p', { class: 'error', attrs: { role: 'alert' } }, t.unreachable));
  }
}

void boot();
