// The frame around every view once signed in: who is signed in, navigation, sign-out.
import type { Session } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { fill, t } from '../i18n.js';

export type View = 'checks' | 'overview' | 'settings';

export function renderShell(root: HTMLElement, session: Session, signOut: () => void): { main: HTMLElement; setCurrent: (view: View) => void } {
  const entries: Array<[View, string, string]> = [
    ['checks', t.navChecks, '#/checks'],
    ['overview', t.navOverview, '#/overview'],
    ['settings', t.navSettings, '#/settings'],
  ];
  const links = entries.map(([view, label, href]) => ({ view, element: h('a', { attrs: { href } }, label) }));
  const who = session.principal === 'admin' ? t.whoAdmin : fill(t.whoTenant, { tenant: session.tenant ?? '' });
  const main = h('main', { attrs: { id: 'main', tabindex: '-1' } });
  const skip = h('a', { class: 'skip', attrs: { href: '#main' } }, t.skip);
  // The hash routes views, so the skip link moves focus itself instead of changing the hash.
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  replaceChildren(
    root,
    skip,
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'livecheck'),
      h('nav', { attrs: { 'aria-label': t.navLabel } }, h('ul', {}, ...links.map((l) => h('li', {}, l.element)))),
      h('span', { class: 'who' }, who),
      h('button', { class: 'quiet', attrs: { type: 'button' }, on: { click: signOut } }, t.signOut),
    ),
    main,
  );
  return {
    main,
    setCurrent(view) {
      for (const link of links) {
        if (link.view === view) link.element.setAttribute('aria-current', 'page');
        else link.element.removeAttribute('aria-current');
      }
    },
  };
}
