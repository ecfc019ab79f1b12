import { ApiError, type Session, call } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n.js';

export function renderSignIn(root: HTMLElement, signedIn: (session: Session) => void): void {
  const key = h('input', { attrs: { type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false', required: '', id: 'sign-in-key' } });
  const status = h('p', { class: 'error', attrs: { role: 'alert', 'aria-live': 'assertive' } });
  const button = h('button', { class: 'primary', attrs: { type: 'submit' } }, t.signIn);
  const form = h(
    'form',
    {
      class: 'sign-in card',
      on: {
        submit: async (event) => {
          event.preventDefault();
          button.disabled = true;
          status.textContent = '';
          try {
            signedIn(await call<Session>('POST', '/console/api/session', { key: key.value.trim() }));
          } catch (error) {
            status.textContent = error instanceof ApiError && error.status === 401 ? t.keyRefused : t.signInFailed;
            key.focus();
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    h('h1', {}, t.signInTitle),
    h('p', { class: 'muted' }, t.signInLead),
    h('div', { class: 'field' }, h('label', { attrs: { for: 'sign-in-key' } }, t.keyLabel), key),
    status,
    button,
  );
  replaceChildren(root, h('main', { class: 'sign-in-page', attrs: { id: 'main' } }, form));
  key.focus();
}
