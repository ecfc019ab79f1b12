// One check as a case: the decision in plain words, the images with their face boxes and a
// countdown to their deletion, the challenge steps as verified, the signals, the lifecycle, the
// webhook deliveries, and the export for archival.
import { type CaseFile, type Delivery, type Session, call } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { actionLabel, explain, formatCountdown, formatMs, formatNumber, formatTime, moveLabel, outcomeLabel, statusLabel } from '../format.js';
import { fill, t } from '../i18n.js';
import { faceImage } from './face-image.js';

function definition(items: Array<[string, Node | string]>): HTMLDListElement {
  return h('dl', { class: 'facts' }, ...items.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function section(key: string, title: string, ...content: Array<Node | string | null>): HTMLElement {
  const id = `s-${key}`;
  return h('section', { class: 'card', attrs: { 'aria-labelledby': id } }, h('h2', { attrs: { id } }, title), ...content);
}

function decision(file: CaseFile): HTMLElement {
  const c = file.check;
  let text: string;
  if (c.passed === true) text = fill(t.decisionPassed, { confidence: formatNumber(c.confidence), threshold: formatNumber(c.threshold) });
  else if (c.passed === false) text = explain(c.failure_reason ?? 'below_threshold', c.failure_explanation) ?? t.notPassed;
  else if (c.status === 'expired') text = t.decisionExpired;
  else text = t.decisionOpen;
  return h('p', { class: `decision ${c.passed === true ? 'passed' : c.passed === false ? 'not-passed' : ''}`, attrs: { 'data-testid': 'decision' } }, text);
}

function steps(file: CaseFile): HTMLElement {
  if (file.steps.length === 0) return h('p', { class: 'muted' }, t.noChallenge);
  const took = (s: CaseFile['steps'][number]) => (s.started_ms !== null && s.peak_ms !== null ? formatMs(s.peak_ms - s.started_ms) : '—');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, t.steps),
      h('thead', {}, h('tr', {}, ...[t.colStep, t.colAsked, t.colVerified, t.colPose, t.colShown, t.colPeak, t.colTook].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h(
        'tbody',
        {},
        ...file.steps.map((s) =>
          h(
            'tr',
            {},
            h('td', { attrs: { 'data-label': t.colStep } }, String(s.index + 1)),
            h('td', { attrs: { 'data-label': t.colAsked } }, moveLabel(s.move)),
            h('td', { attrs: { 'data-label': t.colVerified } }, h('span', { class: `outcome ${s.done === null ? 'none' : s.done ? 'passed' : 'not-passed'}` }, s.done === null ? t.notJudged : s.done ? t.done : t.notDone)),
            h('td', { attrs: { 'data-label': t.colPose } }, s.peak_angle === null ? '—' : `${formatNumber(s.peak_angle, 1)}°`),
            h('td', { attrs: { 'data-label': t.colShown } }, formatMs(s.started_ms)),
            h('td', { attrs: { 'data-label': t.colPeak } }, formatMs(s.peak_ms)),
            h('td', { attrs: { 'data-label': t.colTook } }, took(s)),
          ),
        ),
      ),
    ),
  );
}

function meter(label: string, value: number, limit: number | undefined, note: string): HTMLElement {
  const ok = limit === undefined ? undefined : value >= limit;
  return h(
    'div',
    { class: 'signal' },
    h('div', { class: 'signal-head' }, h('span', {}, label), h('strong', {}, formatNumber(value)), ok === undefined ? null : h('span', { class: `outcome ${ok ? 'passed' : 'not-passed'}` }, ok ? t.ok : t.low)),
    h('meter', { attrs: { min: '0', max: '1', value: String(value), ...(limit !== undefined ? { low: String(limit), optimum: '1' } : {}), 'aria-label': label } }),
    h('small', { class: 'muted' }, note),
  );
}

function signals(file: CaseFile): HTMLElement {
  const s = file.signals;
  if (!s) return h('p', { class: 'muted' }, t.noSignals);
  return h(
    'div',
    { class: 'signals' },
    meter(t.identity, s.identity_similarity, s.identity_min, fill(t.identityNote, { limit: formatNumber(s.identity_min), turned: formatNumber(s.identity_turned_min) })),
    meter(t.parallax, s.parallax, s.parallax_flat_below, fill(t.parallaxNote, { limit: formatNumber(s.parallax_flat_below) })),
    meter(t.passiveReal, s.passive_real, undefined, t.passiveRealNote),
    meter(t.passiveLive, s.passive_live, undefined, t.passiveLiveNote),
  );
}

function images(file: CaseFile, countdowns: Array<() => void>, skew: number): HTMLElement {
  if (file.images.length === 0) {
    return h('p', { class: 'muted' }, file.check.passed === null ? t.noImagesYet : t.noImagesKept);
  }
  const countdown = (key: string, label: string, iso: string | null) => {
    if (!iso) return null;
    const out = h('span', { class: 'countdown' });
    const update = () => {
      const left = Date.parse(iso) - (Date.now() + skew);
      out.textContent = left > 0 ? fill(t.deletedIn, { what: label, time: formatCountdown(left) }) : fill(t.deletedNow, { what: label });
    };
    update();
    countdowns.push(update);
    return h('p', { class: 'expiry', attrs: { 'data-testid': `expiry-${key}` } }, out, h('span', { class: 'muted' }, fill(t.deletedAt, { time: formatTime(iso) })));
  };
  return h(
    'div',
    {},
    countdown('audit-images', t.auditImages, file.audit_images_expire_at),
    countdown('probe-image', t.probeImage, file.probe_image_expires_at),
    h(
      'div',
      { class: 'shots' },
      ...file.images.map((image) =>
        faceImage(image.image, image.bounding_box, image.kind === 'probe' ? t.probeImage : fill(t.audit, { n: image.position + 1 }), [
          h('strong', {}, image.kind === 'probe' ? t.probe : fill(t.audit, { n: image.position + 1 })),
          ` · ${formatTime(image.captured_at)}`,
        ]),
      ),
    ),
  );
}

function timeline(file: CaseFile): HTMLElement {
  return h(
    'ol',
    { class: 'timeline' },
    ...file.timeline.map((entry) =>
      h('li', {}, h('time', { attrs: { datetime: entry.at } }, formatTime(entry.at)), h('span', { class: 'action' }, actionLabel(entry.action)), h('span', { class: 'muted' }, fill(t.by, { actor: entry.actor }))),
    ),
  );
}

export function deliveryTable(deliveries: Delivery[], onRedeliver: (id: string) => Promise<void>): HTMLElement {
  if (deliveries.length === 0) return h('p', { class: 'muted' }, t.noDeliveries);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, t.webhookDeliveries),
      h('thead', {}, h('tr', {}, ...[t.colEvent, t.colUrl, t.colStatus, t.colAttempts, t.colAnswer, t.colCreated, ''].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h(
        'tbody',
        {},
        ...deliveries.map((d) => {
          const button = h('button', { class: 'quiet', attrs: { type: 'button', 'aria-label': fill(t.redeliverLabel, { event: d.event_type, url: d.url }) } }, t.redeliver);
          button.addEventListener('click', async () => {
            button.disabled = true;
            try {
              await onRedeliver(d.id);
            } finally {
              button.disabled = false;
            }
          });
          return h(
            'tr',
            {},
            h('td', { attrs: { 'data-label': t.colEvent } }, d.event_type),
            h('td', { attrs: { 'data-label': t.colUrl }, class: 'url' }, d.url),
            h('td', { attrs: { 'data-label': t.colStatus } }, h('span', { class: `badge delivery-${d.status}` }, d.status)),
            h('td', { attrs: { 'data-label': t.colAttempts } }, String(d.attempts)),
            h('td', { attrs: { 'data-label': t.colAnswer } }, d.last_status_code !== null ? String(d.last_status_code) : (d.last_error ?? '—')),
            h('td', { attrs: { 'data-label': t.colCreated } }, formatTime(d.created_at)),
            h('td', {}, button),
          );
        }),
      ),
    ),
  );
}

export function renderCase(main: HTMLElement, _session: Session, id: string): () => void {
  const countdowns: Array<() => void> = [];
  const timer = window.setInterval(() => countdowns.forEach((update) => update()), 1000);
  replaceChildren(main, h('p', { class: 'muted', attrs: { role: 'status' } }, t.loadingCase));
  const load = async () => {
    try {
      const file = await call<CaseFile>('GET', `/console/api/checks/${encodeURIComponent(id)}`);
      const skew = Date.parse(file.server_time) - Date.now();
      countdowns.length = 0;
      const c = file.check;
      const deliveries = h('div');
      const showDeliveries = (list: Delivery[]) =>
        replaceChildren(
          deliveries,
          deliveryTable(list, async (deliveryId) => {
            await call('POST', `/console/api/webhook_deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
            const fresh = await call<CaseFile>('GET', `/console/api/checks/${encodeURIComponent(id)}`);
            showDeliveries(fresh.webhook_deliveries);
          }),
        );
      showDeliveries(file.webhook_deliveries);
      replaceChildren(
        main,
        h('p', {}, h('a', { attrs: { href: '#/checks' } }, t.allChecks)),
        h(
          'div',
          { class: 'case-head' },
          h('h1', {}, `${t.checkTitle} `, h('code', {}, c.id)),
          h('a', { class: 'button primary', attrs: { href: `/console/api/checks/${encodeURIComponent(c.id)}/export`, download: `livecheck-case-${c.id}.json` } }, t.exportCase),
        ),
        section(
          'decision',
          t.decision,
          decision(file),
          definition([
            [t.factStatus, h('span', { class: `badge status-${c.status}` }, statusLabel(c.status))],
            [t.factOutcome, outcomeLabel(c.passed)],
            [t.factConfidence, fill(t.factThreshold, { confidence: formatNumber(c.confidence), threshold: formatNumber(c.threshold) })],
            [t.factReference, c.reference ?? '—'],
            [t.factTenant, `${c.tenant}${c.mode === 'test' ? t.testMode : ''}`],
            [t.factCreated, formatTime(c.created_at)],
            [t.factFinished, formatTime(c.finished_at)],
            [t.factDecided, formatTime(c.completed_at)],
            [t.factAttempts, String(file.attempts)],
            [t.factCaseDeleted, formatTime(file.case_expires_at)],
          ]),
        ),
        section('images', t.images, images(file, countdowns, skew)),
        section('steps', t.steps, steps(file)),
        section('signals', t.signals, signals(file)),
        section('timeline', t.timeline, timeline(file)),
        section('webhooks', t.webhookDeliveries, deliveries),
      );
    } catch (error) {
      replaceChildren(main, h('p', {}, h('a', { attrs: { href: '#/checks' } }, t.allChecks)), h('p', { class: 'error', attrs: { role: 'alert' } }, error instanceof Error ? error.message : String(error)));
    }
  };
  void load();
  return () => window.clearInterval(timer);
}
