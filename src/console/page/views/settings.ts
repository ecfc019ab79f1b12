// Tenant settings: API keys (a new key is shown once), webhook endpoints with their delivery log
// and redelivery, and the capture page's branding and default threshold.
import { type ApiKeyInfo, ApiError, type CreatedApiKey, type CreatedEndpoint, type Delivery, type Endpoint, type Session, type TenantSettings, call, query } from '../api.js';
import { field, h, replaceChildren } from '../dom.js';
import { formatTime } from '../format.js';
import { fill, t } from '../i18n.js';
import { deliveryTable } from './case.js';
import { tenantPicker } from './tenant-picker.js';

function message(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

function secretOnce(title: string, secret: string): HTMLElement {
  const code = h('code', { class: 'secret', attrs: { 'data-testid': 'secret-once' } }, secret);
  const copy = h('button', { class: 'quiet', attrs: { type: 'button' } }, t.copy);
  copy.addEventListener('click', () => void navigator.clipboard?.writeText(secret).then(() => (copy.textContent = t.copied)));
  return h('div', { class: 'once', attrs: { role: 'status' } }, h('strong', {}, title), h('p', {}, t.shownOnce), h('div', { class: 'secret-row' }, code, copy));
}

function keysSection(tenant: string, q: string, refresh: () => void): HTMLElement {
  const body = h('div', {}, h('p', { class: 'muted' }, t.loading));
  const notice = h('div');
  const create = h('button', { class: 'primary', attrs: { type: 'button' } }, t.createKey);
  create.addEventListener('click', async () => {
    try {
      const created = await call<CreatedApiKey>('POST', `/console/api/api_keys${q}`);
      replaceChildren(notice, secretOnce(fill(t.newKeyFor, { tenant: created.tenant }), created.key));
      void load();
    } catch (error) {
      replaceChildren(notice, h('p', { class: 'error', attrs: { role: 'alert' } }, message(error)));
    }
  });
  const load = async () => {
    const { keys } = await call<{ keys: ApiKeyInfo[] }>('GET', `/console/api/api_keys${q}`);
    replaceChildren(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h('caption', { class: 'visually-hidden' }, `${t.apiKeys} · ${tenant}`),
          h('thead', {}, h('tr', {}, ...[t.colKey, t.colMode, t.colCreated, t.colRevoked, ''].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
          h(
            'tbody',
            {},
            ...keys.map((k) => {
              const revoke = k.revoked_at
                ? null
                : h('button', { class: 'danger quiet', attrs: { type: 'button', 'aria-label': fill(t.revokeLabel, { hint: k.key_hint }) } }, t.revoke);
              revoke?.addEventListener('click', async () => {
                if (!window.confirm(fill(t.revokeConfirm, { hint: k.key_hint }))) return;
                try {
                  await call('DELETE', `/console/api/api_keys/${encodeURIComponent(k.id)}`);
                  refresh();
                } catch (error) {
                  replaceChildren(notice, h('p', { class: 'error', attrs: { role: 'alert' } }, message(error)));
                }
              });
              return h(
                'tr',
                {},
                h('td', { attrs: { 'data-label': t.colKey } }, h('code', {}, `…${k.key_hint}`)),
                h('td', { attrs: { 'data-label': t.colMode } }, k.mode),
                h('td', { attrs: { 'data-label': t.colCreated } }, formatTime(k.created_at)),
                h('td', { attrs: { 'data-label': t.colRevoked } }, formatTime(k.revoked_at)),
                h('td', {}, revoke),
              );
            }),
          ),
        ),
      ),
    );
  };
  void load().catch((error) => replaceChildren(body, h('p', { class: 'error' }, message(error))));
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 's-keys' } }, h('h2', { attrs: { id: 's-keys' } }, t.apiKeys), notice, create, body);
}

function webhooksSection(tenant: string, q: string): HTMLElement {
  const list = h('div', {}, h('p', { class: 'muted' }, t.loading));
  const log = h('div');
  const notice = h('div');
  const url = h('input', { attrs: { type: 'url', name: 'url', required: '', placeholder: 'https://example.com/webhooks/livecheck' } });
  const showLog = async (title: string, path: string) => {
    const { deliveries } = await call<{ deliveries: Delivery[] }>('GET', path);
    replaceChildren(
      log,
      h('h3', {}, title),
      deliveryTable(deliveries, async (id) => {
        await call('POST', `/console/api/webhook_deliveries/${encodeURIComponent(id)}/redeliver`);
        await showLog(title, path);
      }),
    );
  };
  const load = async () => {
    const { endpoints } = await call<{ endpoints: Endpoint[] }>('GET', `/console/api/webhook_endpoints${q}`);
    replaceChildren(
      list,
      endpoints.length === 0
        ? h('p', { class: 'muted' }, t.noEndpoints)
        : h(
            'ul',
            { class: 'endpoints' },
            ...endpoints.map((e) => {
              const remove = h('button', { class: 'danger quiet', attrs: { type: 'button', 'aria-label': fill(t.deleteEndpointLabel, { url: e.url }) } }, t.deleteEndpoint);
              remove.addEventListener('click', async () => {
                if (!window.confirm(fill(t.deleteConfirm, { url: e.url }))) return;
                await call('DELETE', `/console/api/webhook_endpoints/${encodeURIComponent(e.id)}`);
                void load();
              });
              const deliveries = h('button', { class: 'quiet', attrs: { type: 'button', 'aria-label': fill(t.deliveryLogLabel, { url: e.url }) } }, t.deliveryLog);
              deliveries.addEventListener('click', () => void showLog(fill(t.deliveriesTo, { url: e.url }), `/console/api/webhook_endpoints/${encodeURIComponent(e.id)}/deliveries`));
              return h('li', {}, h('span', { class: 'url' }, e.url), h('span', { class: 'muted' }, fill(t.since, { time: formatTime(e.created_at) })), h('span', { class: 'row-actions' }, deliveries, remove));
            }),
          ),
    );
  };
  const form = h(
    'form',
    {
      class: 'inline-form',
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            const created = await call<CreatedEndpoint>('POST', `/console/api/webhook_endpoints${q}`, { url: url.value.trim() });
            replaceChildren(notice, secretOnce(fill(t.secretFor, { url: created.url }), created.secret));
            url.value = '';
            void load();
          } catch (error) {
            replaceChildren(notice, h('p', { class: 'error', attrs: { role: 'alert' } }, message(error)));
          }
        },
      },
    },
    field(t.endpointUrl, url),
    h('button', { class: 'primary', attrs: { type: 'submit' } }, t.addEndpoint),
  );
  const all = h('button', { class: 'quiet', attrs: { type: 'button' } }, t.recentDeliveries);
  all.addEventListener('click', () => void showLog(fill(t.deliveriesOf, { tenant }), `/console/api/webhook_deliveries${q}`));
  void load().catch((error) => replaceChildren(list, h('p', { class: 'error' }, message(error))));
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 's-hooks' } }, h('h2', { attrs: { id: 's-hooks' } }, t.endpoints), notice, form, list, all, log);
}

function brandingSection(q: string): HTMLElement {
  const body = h('div', {}, h('p', { class: 'muted' }, t.loading));
  const load = async () => {
    const settings = await call<TenantSettings>('GET', `/console/api/tenant_settings${q}`);
    const name = h('input', { attrs: { type: 'text', name: 'display_name', maxlength: '80', value: settings.display_name ?? '' } });
    const useAccent = h('input', { attrs: { type: 'checkbox', name: 'use_accent', id: 'use-accent' } });
    useAccent.checked = settings.accent_color !== null;
    const accent = h('input', { attrs: { type: 'color', name: 'accent_color', value: settings.accent_color ?? '#2f6fde' } });
    const threshold = h('input', { attrs: { type: 'number', name: 'default_threshold', min: '0', max: '1', step: '0.01', value: settings.default_threshold === null ? '' : String(settings.default_threshold) } });
    const status = h('p', { attrs: { role: 'status' } });
    const form = h(
      'form',
      {
        class: 'settings-form',
        on: {
          submit: async (event) => {
            event.preventDefault();
            try {
              await call<TenantSettings>('PUT', `/console/api/tenant_settings${q}`, {
                display_name: name.value.trim() || null,
                accent_color: useAccent.checked ? accent.value : null,
                default_threshold: threshold.value === '' ? null : Number(threshold.value),
              });
              status.textContent = t.saved;
            } catch (error) {
              status.textContent = message(error);
            }
          },
        },
      },
      field(t.displayName, name),
      h('div', { class: 'field checkbox' }, useAccent, h('label', { attrs: { for: 'use-accent' } }, t.useAccent)),
      field(t.accent, accent),
      field(t.threshold, threshold, t.thresholdHint),
      settings.logo ? h('p', {}, t.logo, h('img', { class: 'logo', attrs: { src: settings.logo, alt: t.logoAlt } })) : h('p', { class: 'muted' }, t.noLogo),
      settings.frame_ancestors.length > 0 ? h('p', { class: 'muted' }, fill(t.framedBy, { origins: settings.frame_ancestors.join(', ') })) : null,
      h('button', { class: 'primary', attrs: { type: 'submit' } }, t.save),
      status,
    );
    replaceChildren(body, form);
  };
  void load().catch((error) => replaceChildren(body, h('p', { class: 'error' }, message(error))));
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 's-brand' } }, h('h2', { attrs: { id: 's-brand' } }, t.branding), body);
}

export function renderSettings(main: HTMLElement, session: Session, params: URLSearchParams): () => void {
  const chosen = session.principal === 'admin' ? (params.get('tenant') ?? '') : (session.tenant ?? '');
  const picker = h('div');
  const content = h('div');
  replaceChildren(main, h('h1', {}, t.settingsTitle), picker, content);
  const show = (tenant: string) => {
    if (!tenant) {
      replaceChildren(content, h('p', { class: 'muted' }, t.chooseTenant));
      return;
    }
    const q = session.principal === 'admin' ? query({ tenant }) : '';
    replaceChildren(content, h('p', { class: 'muted' }, fill(t.settingsOf, { tenant })), keysSection(tenant, q, () => show(tenant)), webhooksSection(tenant, q), brandingSection(q));
  };
  void tenantPicker(session, chosen, false, (t) => (location.hash = `#/settings${query({ tenant: t })}`)).then((p) => {
    if (p) picker.appendChild(p);
    const select = p?.querySelector('select');
    show(chosen || select?.value || '');
  });
  return () => undefined;
}
