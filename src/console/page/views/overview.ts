// The overview: checks per day, pass rate, failure reasons and decision latency, as charts with a
// table behind each for screen readers and for copying figures into a report.
import { type Overview, type Session, call, query } from '../api.js';
import { horizontalBars, stackedColumns } from '../charts.js';
import { field, h, replaceChildren, select } from '../dom.js';
import { explain, formatMs, formatPercent } from '../format.js';
import { fill, t } from '../i18n.js';
import { tenantPicker } from './tenant-picker.js';

const series = () => [
  { key: 'passed', label: t.seriesPassed },
  { key: 'not_passed', label: t.seriesNotPassed },
  { key: 'expired', label: t.seriesExpired },
  { key: 'open', label: t.seriesOpen },
];

function tile(label: string, value: string): HTMLElement {
  return h('div', { class: 'tile' }, h('span', { class: 'muted' }, label), h('strong', {}, value));
}

function dataTable(caption: string, head: string[], rows: string[][]): HTMLElement {
  return h(
    'details',
    {},
    h('summary', {}, fill(t.asTable, { what: caption })),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', {}, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { attrs: { scope: 'col' } }, t)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))))),
    ),
  );
}

function legend(): HTMLElement {
  return h('ul', { class: 'legend' }, ...series().map((s) => h('li', {}, h('span', { class: `swatch ${s.key}`, attrs: { 'aria-hidden': 'true' } }), s.label)));
}

export function renderOverview(main: HTMLElement, session: Session, params: URLSearchParams): () => void {
  const days = params.get('days') ?? '14';
  const tenant = params.get('tenant') ?? '';
  const go = (next: { days?: string; tenant?: string }) => {
    location.hash = `#/overview${query({ days: next.days ?? days, tenant: next.tenant ?? tenant })}`;
  };
  const range = select('days', ['7', '14', '30', '90'].map((d): [string, string] => [d, fill(t.lastDays, { days: d })]), days);
  range.addEventListener('change', () => go({ days: range.value }));
  const controls = h('div', { class: 'controls' }, field(t.period, range));
  const content = h('div', {}, h('p', { class: 'muted', attrs: { role: 'status' } }, t.loading));
  replaceChildren(main, h('h1', {}, t.overviewTitle), controls, content);
  void tenantPicker(session, tenant, true, (t) => go({ tenant: t })).then((p) => p && controls.prepend(p));

  let shown: Overview | undefined;
  const draw = (o: Overview) => {
    // Drawn for the space there is; redrawn when that changes (rotation, a resized window).
    const width = Math.max(280, Math.min(860, content.clientWidth - 34));
    const categories = o.days.map((d) => d.date);
    const perDay = stackedColumns(categories, series(), (i, key) => ((o.days[i] as Record<string, number | string> | undefined)?.[key] as number) ?? 0, fill(t.perDayLabel, { total: o.total }), width);
    const reasons = o.failure_reasons.map((r) => ({ label: r.reason.replace(/_/g, ' '), value: r.count, text: String(r.count) }));
    const latency = (['p50', 'p90', 'p99'] as const).map((p) => ({ label: p, value: o.latency_ms[p] ?? 0, text: formatMs(o.latency_ms[p]) }));
    replaceChildren(
      content,
      h('div', { class: 'tiles' }, tile(t.tileChecks, String(o.total)), tile(t.tileDecided, String(o.decided)), tile(t.tilePassRate, formatPercent(o.pass_rate)), tile(t.tileMedian, formatMs(o.latency_ms.p50))),
      o.truncated ? h('p', { class: 'error' }, t.truncated) : null,
      h('section', { class: 'card', attrs: { 'aria-labelledby': 'c-days' } }, h('h2', { attrs: { id: 'c-days' } }, t.perDay), legend(), perDay, dataTable(t.perDay, [t.colDay, ...series().map((s) => s.label)], o.days.map((d) => [d.date, String(d.passed), String(d.not_passed), String(d.expired), String(d.open)]))),
      h(
        'section',
        { class: 'card', attrs: { 'aria-labelledby': 'c-reasons' } },
        h('h2', { attrs: { id: 'c-reasons' } }, t.reasonsTitle),
        reasons.length === 0 ? h('p', { class: 'muted' }, t.noFailures) : horizontalBars(reasons, t.reasonsLabel, width),
        dataTable(t.reasonsTitle, [t.colReason, t.colChecks, t.colMeaning], o.failure_reasons.map((r) => [r.reason, String(r.count), explain(r.reason, r.explanation) ?? ''])),
      ),
      h(
        'section',
        { class: 'card', attrs: { 'aria-labelledby': 'c-latency' } },
        h('h2', { attrs: { id: 'c-latency' } }, t.latencyTitle),
        h('p', { class: 'muted' }, fill(t.latencyLead, { count: o.latency_ms.count })),
        o.latency_ms.count === 0 ? null : horizontalBars(latency, t.latencyLabel, width),
        dataTable(t.latencyTitle, [t.colPercentile, t.colLatency], latency.map((l) => [l.label, l.text])),
      ),
    );
  };
  let lastWidth = window.innerWidth;
  let pending: number | undefined;
  const onResize = () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(() => {
      if (shown && window.innerWidth !== lastWidth) draw(shown);
      lastWidth = window.innerWidth;
    }, 100);
  };
  window.addEventListener('resize', onResize);
  const load = async () => {
    try {
      shown = await call<Overview>('GET', `/console/api/overview${query({ days, tenant: session.principal === 'admin' ? tenant : undefined })}`);
      draw(shown);
    } catch (error) {
      replaceChildren(content, h('p', { class: 'error', attrs: { role: 'alert' } }, error instanceof Error ? error.message : String(error)));
    }
  };
  void load();
  return () => {
    window.removeEventListener('resize', onResize);
    window.clearTimeout(pending);
  };
}
