// The checks list: filters and search in the URL, pages from the server by cursor, and open checks
// refreshed every few seconds so a reviewer sees a capture finish without reloading.
import { type CheckPage, type CheckSummary, type Session, call, query } from '../api.js';
import { field, h, replaceChildren, select } from '../dom.js';
import { explain, formatNumber, formatTime, outcomeLabel, statusLabel } from '../format.js';
import { fill, t } from '../i18n.js';
import { tenantPicker } from './tenant-picker.js';

const LIVE_EVERY_MS = 3000;
const FILTERS = ['q', 'status', 'outcome', 'reference', 'from', 'to', 'tenant', 'mode'] as const;

function badge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}` }, statusLabel(status));
}

function outcome(passed: boolean | null): HTMLElement {
  return h('span', { class: `outcome ${passed === null ? 'none' : passed ? 'passed' : 'not-passed'}` }, outcomeLabel(passed));
}

function cell(label: string, ...content: Array<Node | string>): HTMLTableCellElement {
  return h('td', { attrs: { 'data-label': label } }, ...content);
}

function row(check: CheckSummary, showTenant: boolean): HTMLTableRowElement {
  return h(
    'tr',
    { attrs: { 'data-check-id': check.id, 'data-status': check.status } },
    cell(t.colCheck, h('a', { attrs: { href: `#/checks/${check.id}` } }, check.id.slice(0, 8)), showTenant ? h('span', { class: 'muted tenant' }, ` ${check.tenant}`) : '', check.mode === 'test' ? h('span', { class: 'badge test' }, 'test') : ''),
    cell(t.colCreated, formatTime(check.created_at)),
    cell(t.colStatus, badge(check.status)),
    cell(t.colOutcome, outcome(check.passed)),
    cell(t.colConfidence, formatNumber(check.confidence)),
    cell(t.colReference, check.reference ?? '—'),
    cell(t.colFinished, formatTime(check.completed_at)),
    cell(t.colFailure, explain(check.failure_reason, check.failure_explanation) ?? '—'),
  );
}

/** A date input's day as the start (or the end, exclusive) of that day in the reviewer's time zone. */
function dayBoundary(value: string, end: boolean): string | undefined {
  if (!value) return undefined;
  const date = new Date(`${value}T00:00:00`);
  if (Number.isNaN(date.getTime())) return undefined;
  if (end) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

export function renderChecks(main: HTMLElement, session: Session, params: URLSearchParams): () => void {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const cursor = params.get('cursor') ?? '';
  const previous = params.getAll('back');
  const isAdmin = session.principal === 'admin';

  const search = h('input', { attrs: { type: 'search', name: 'q', placeholder: t.searchPlaceholder, value: filters.q } });
  const status = select('status', [['', t.anyStatus], ...(['pending', 'in_progress', 'complete', 'failed', 'expired'] as const).map((s): [string, string] => [s, t.statuses[s]])], filters.status);
  const outcomeSelect = select('outcome', [['', t.anyOutcome], ['passed', t.passed], ['not_passed', t.notPassed]], filters.outcome);
  const reference = h('input', { attrs: { type: 'text', name: 'reference', value: filters.reference } });
  const from = h('input', { attrs: { type: 'date', name: 'from', value: filters.from } });
  const to = h('input', { attrs: { type: 'date', name: 'to', value: filters.to } });
  const mode = select('mode', [['', t.modeBoth], ['live', t.modeLive], ['test', t.modeTest]], filters.mode);

  const navigate = (next: Record<string, string>, page: { cursor?: string; back?: string[] } = {}) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) search.set(k, v);
    if (page.cursor) search.set('cursor', page.cursor);
    for (const b of page.back ?? []) search.append('back', b);
    location.hash = `#/checks${search.toString() ? `?${search.toString()}` : ''}`;
  };
  const current = () => ({ ...filters, q: search.value.trim(), status: status.value, outcome: outcomeSelect.value, reference: reference.value.trim(), from: from.value, to: to.value, mode: isAdmin ? mode.value : '' });

  const form = h(
    'form',
    { class: 'filters card', attrs: { role: 'search', 'aria-label': t.filterLabel }, on: { submit: (e) => { e.preventDefault(); navigate(current()); } } },
    field(t.search, search),
    field(t.status, status),
    field(t.outcome, outcomeSelect),
    field(t.reference, reference),
    field(t.createdFrom, from),
    field(t.createdUntil, to),
    isAdmin ? field(t.mode, mode) : null,
    h('div', { class: 'actions' }, h('button', { class: 'primary', attrs: { type: 'submit' } }, t.apply), h('a', { class: 'button quiet', attrs: { href: '#/checks' } }, t.reset)),
  );
  const picker = h('div');
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'checks' },
    h('caption', { class: 'visually-hidden' }, t.checksCaption),
    h('thead', {}, h('tr', {}, ...[t.colCheck, t.colCreated, t.colStatus, t.colOutcome, t.colConfidence, t.colReference, t.colFinished, t.colFailure].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
    body,
  );
  const pager = h('nav', { class: 'pager', attrs: { 'aria-label': t.pagesLabel } });
  const live = h('p', { class: 'visually-hidden', attrs: { 'aria-live': 'polite' } });
  const info = h('p', { class: 'muted', attrs: { role: 'status' } }, t.loadingChecks);
  replaceChildren(main, h('h1', {}, t.checksTitle), picker, form, info, h('div', { class: 'table-wrap' }, table), pager, live);

  void tenantPicker(session, filters.tenant, true, (tenant) => navigate({ ...current(), tenant })).then((p) => p && picker.appendChild(p));

  let stopped = false;
  let timer: number | undefined;
  const rows = new Map<string, CheckSummary>();

  const poll = async () => {
    if (stopped) return;
    const open = [...rows.values()].filter((c) => c.status === 'pending' || c.status === 'in_progress').map((c) => c.id);
    if (open.length > 0) {
      try {
        const { checks } = await call<{ checks: CheckSummary[] }>('GET', `/console/api/checks/updates${query({ ids: open.join(',') })}`);
        for (const check of checks) {
          const before = rows.get(check.id);
          if (!before || before.status === check.status) continue;
          rows.set(check.id, check);
          body.querySelector(`tr[data-check-id="${check.id}"]`)?.replaceWith(row(check, isAdmin));
          live.textContent = fill(t.nowStatus, { id: check.id.slice(0, 8), status: statusLabel(check.status) });
        }
      } catch {
        // A missed poll is retried on the next tick.
      }
    }
    if (!stopped) timer = window.setTimeout(() => void poll(), LIVE_EVERY_MS);
  };

  const load = async () => {
    const request = {
      q: filters.q,
      status: filters.status,
      outcome: filters.outcome,
      reference: filters.reference,
      from: dayBoundary(filters.from, false),
      to: dayBoundary(filters.to, true),
      tenant: isAdmin ? filters.tenant : undefined,
      mode: isAdmin ? filters.mode : undefined,
      cursor: cursor || undefined,
      limit: '25',
    };
    try {
      const page = await call<CheckPage>('GET', `/console/api/checks${query(request)}`);
      if (stopped) return;
      replaceChildren(body, ...page.checks.map((c) => row(c, isAdmin)));
      for (const c of page.checks) rows.set(c.id, c);
      info.textContent = page.checks.length === 0 ? t.noChecks : fill(t.checksOnPage, { count: page.checks.length });
      const base = Object.fromEntries(Object.entries(filters));
      replaceChildren(
        pager,
        previous.length > 0 || cursor
          ? h('a', { class: 'button quiet', attrs: { href: '#' }, on: { click: (e) => { e.preventDefault(); navigate(base, { cursor: previous.at(-1) ?? '', back: previous.slice(0, -1) }); } } }, t.newer)
          : null,
        page.next_cursor
          ? h('a', { class: 'button quiet', attrs: { href: '#' }, on: { click: (e) => { e.preventDefault(); navigate(base, { cursor: page.next_cursor ?? '', back: [...previous, cursor] }); } } }, t.older)
          : null,
      );
      void poll();
    } catch (error) {
      info.textContent = fill(t.loadFailed, { reason: error instanceof Error ? error.message : String(error) });
    }
  };
  void load();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
