// Everything the person sees: one screen at a time inside a card, a persistent video stage (the
// mirrored preview with its oval guide and direction arrow) and a live region for screen readers.
import type { ChallengeMove } from '../../engine/types.js';
import type { CameraChoice } from './camera.js';
import type { Phase } from './choreography.js';
import { type IconName, ICONS, h, icon } from './dom.js';
import { type MessageKey, type Messages, format } from './i18n/messages.js';

export interface ProblemScreen {
  /** Names the screen in the DOM (data-screen), for styles and tests. */
  name: string;
  icon: IconName;
  /** Warnings are amber; plain facts (an expired or used link) are grey. */
  tone?: 'warn' | 'muted';
  title: MessageKey;
  body: MessageKey;
  hint?: MessageKey;
  /** Shown as "You can try n more times" when known. */
  attemptsLeft?: number;
  action?: { label: MessageKey; run: () => void };
}

export interface PreviewScreen {
  cameras: readonly CameraChoice[];
  current: string | undefined;
  switchCamera(deviceId: string): void;
  ready(): void;
}

const MOVE_WORDS: Record<ChallengeMove, MessageKey> = {
  turn_left: 'moveTurnLeft',
  turn_right: 'moveTurnRight',
  look_up: 'moveLookUp',
  look_down: 'moveLookDown',
};

/** The preview is mirrored, so the person's own left is the screen's left, as in a mirror. */
const CUE_DIRECTION: Record<ChallengeMove, 'left' | 'right' | 'up' | 'down'> = {
  turn_left: 'left',
  turn_right: 'right',
  look_up: 'up',
  look_down: 'down',
};

interface CaptureParts {
  instruction: HTMLElement;
  counter: HTMLElement;
  dots: HTMLElement[];
  feedback: HTMLElement;
  banner: HTMLElement;
  total: number;
  lastAnnounced: string;
}

export class CaptureView {
  readonly video: HTMLVideoElement;
  private readonly stage: HTMLElement;
  private readonly cue: HTMLElement;
  private readonly screen: HTMLElement;
  private readonly announcer: HTMLElement;
  private capture: CaptureParts | undefined;

  constructor(
    root: HTMLElement,
    private readonly messages: Messages,
  ) {
    this.video = h('video', { class: 'stage__video', attrs: { playsinline: '', autoplay: '', 'aria-hidden': 'true' } });
    this.video.muted = true;
    this.video.playsInline = true;
    this.cue = h('div', { class: 'cue', attrs: { 'aria-hidden': 'true' } }, icon(ICONS.arrow, 'cue__arrow'));
    this.stage = h('div', { class: 'stage' }, this.video, h('div', { class: 'stage__oval', attrs: { 'aria-hidden': 'true' } }), this.cue);
    this.screen = h('section', { class: 'screen' });
    this.announcer = h('p', { class: 'sr-only', attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' } });
    root.replaceChildren(h('div', { class: 'card' }, this.screen), this.announcer);
    root.removeAttribute('aria-busy');
  }

  t(key: MessageKey, values: Record<string, string | number> = {}): string {
    return format(this.messages[key], values);
  }

  intro(start: () => void): void {
    const step = (name: IconName, key: MessageKey) => h('li', {}, icon(ICONS[name], 'icon icon--step'), h('span', {}, this.t(key)));
    this.show(
      'intro',
      this.heading('introTitle'),
      h('p', { class: 'lead' }, this.t('introLead')),
      h('ol', { class: 'steps' }, step('camera', 'introStepCamera'), step('turn', 'introStepMoves'), step('clock', 'introStepTime')),
      h('p', { class: 'fine' }, icon(ICONS.lock, 'icon icon--inline'), h('span', {}, this.t('introPrivacy'))),
      this.button('startButton', start),
    );
  }

  waiting(title: MessageKey, hint?: MessageKey): void {
    this.show(
      'waiting',
      h('div', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
      this.heading(title),
      hint ? h('p', { class: 'muted' }, this.t(hint)) : undefined,
    );
  }

  preview(options: PreviewScreen): void {
    this.setStageState('idle');
    this.stage.dataset.phase = 'preview';
    this.stage.dataset.step = '-1';
    this.cue.className = 'cue';
    let picker: HTMLElement | undefined;
    if (options.cameras.length > 1) {
      const select = h('select', { class: 'select', attrs: { id: 'camera-select' } });
      options.cameras.forEach((camera, i) => {
        const option = h('option', { attrs: { value: camera.deviceId } }, camera.label || this.t('cameraUnnamed', { n: i + 1 }));
        option.selected = camera.deviceId === options.current;
        select.appendChild(option);
      });
      select.addEventListener('change', () => options.switchCamera(select.value));
      picker = h('div', { class: 'field' }, h('label', { attrs: { for: 'camera-select' } }, this.t('cameraLabel')), select);
    }
    this.show('preview', this.heading('previewTitle'), this.stage, h('p', { class: 'muted' }, this.t('previewHint')), picker, this.button('readyButton', options.ready));
  }

  /** The capture screen; then `phase`, `feedback` and `reconnecting` update it in place. */
  captureScreen(steps: readonly ChallengeMove[]): void {
    const dots = steps.map(() => h('li', { class: 'progress__dot' }));
    const instruction = this.heading('lookStraight');
    instruction.classList.add('instruction');
    const parts: CaptureParts = {
      instruction,
      counter: h('p', { class: 'counter' }, ' '),
      dots,
      feedback: h('p', { class: 'feedback', attrs: { role: 'status' } }),
      banner: h('p', { class: 'banner', attrs: { role: 'alert' } }),
      total: steps.length,
      lastAnnounced: '',
    };
    parts.banner.hidden = true;
    this.capture = parts;
    this.setStageState('idle');
    this.show(
      'capture',
      h('div', { class: 'capture-head' }, parts.counter, h('ol', { class: 'progress', attrs: { 'aria-hidden': 'true' } }, ...dots)),
      instruction,
      this.stage,
      parts.feedback,
      parts.banner,
    );
  }

  phase(phase: Phase): void {
    const parts = this.capture;
    if (!parts) return;
    // Styling hooks, and what a test camera follows to act out the prompts.
    this.stage.dataset.phase = phase.kind;
    this.stage.dataset.step = String(phase.step);
    let text: string;
    let announce: string | undefined;
    if (phase.kind === 'turn' || phase.kind === 'back') {
      const n = phase.step + 1;
      parts.counter.textContent = this.t('stepCounter', { n, total: parts.total });
      text = phase.kind === 'turn' ? this.t(MOVE_WORDS[phase.move]) : this.t('moveBack');
      if (phase.kind === 'turn') announce = this.t('liveRegionStep', { n, total: parts.total, move: text });
      this.cue.className = phase.kind === 'turn' ? `cue cue--${CUE_DIRECTION[phase.move]}` : 'cue';
    } else if (phase.kind === 'done') {
      text = this.t('finishing');
      announce = text;
      this.cue.className = 'cue';
    } else {
      text = this.t('lookStraight');
      announce = text;
      parts.counter.textContent = ' ';
    }
    parts.dots.forEach((dot, i) => {
      const state = phase.kind === 'done' || i < phase.step || (i === phase.step && phase.kind === 'back') ? 'done' : i === phase.step ? 'active' : '';
      dot.className = `progress__dot${state ? ` progress__dot--${state}` : ''}`;
    });
    if (parts.instruction.textContent !== text) parts.instruction.textContent = text;
    if (announce && announce !== parts.lastAnnounced) {
      parts.lastAnnounced = announce;
      this.announcer.textContent = announce;
    }
  }

  feedback(key: MessageKey | undefined, faceReady: boolean): void {
    const parts = this.capture;
    if (!parts) return;
    const text = key ? this.t(key) : '';
    if (parts.feedback.textContent !== text) parts.feedback.textContent = text;
    this.setStageState(key ? 'warn' : faceReady ? 'ok' : 'idle');
  }

  reconnecting(on: boolean): void {
    const parts = this.capture;
    if (!parts) return;
    parts.banner.textContent = on ? this.t('reconnecting') : '';
    parts.banner.hidden = !on;
  }

  done(redirect: string | undefined): void {
    this.capture = undefined;
    this.show(
      'done',
      icon(ICONS.check, 'icon icon--hero icon--ok'),
      this.heading('doneTitle'),
      h('p', {}, this.t('doneBody')),
      h('p', { class: 'muted' }, this.t(redirect ? 'doneRedirecting' : 'doneClose')),
      redirect ? h('a', { class: 'button button--primary', attrs: { href: redirect, rel: 'noreferrer' } }, this.t('doneContinue')) : undefined,
    );
  }

  problem(screen: ProblemScreen): void {
    this.capture = undefined;
    let attempts: string | undefined;
    if (screen.attemptsLeft !== undefined) {
      const n = screen.attemptsLeft;
      attempts = n === 0 ? this.t('attemptsLeftNone') : this.t(n === 1 ? 'attemptsLeftOne' : 'attemptsLeftOther', { n });
    }
    this.show(
      screen.name,
      icon(ICONS[screen.icon], `icon icon--hero icon--${screen.tone ?? 'warn'}`),
      this.heading(screen.title),
      h('p', {}, this.t(screen.body)),
      screen.hint ? h('p', { class: 'hint' }, this.t(screen.hint)) : undefined,
      attempts ? h('p', { class: 'muted attempts' }, attempts) : undefined,
      screen.action ? this.button(screen.action.label, screen.action.run) : undefined,
    );
  }

  private setStageState(state: 'idle' | 'ok' | 'warn'): void {
    const className = `stage stage--${state}`;
    if (this.stage.className !== className) this.stage.className = className;
  }

  private heading(key: MessageKey): HTMLHeadingElement {
    return h('h1', { attrs: { tabindex: '-1' } }, this.t(key));
  }

  private button(label: MessageKey, run: () => void): HTMLButtonElement {
    const button = h('button', { class: 'button button--primary', attrs: { type: 'button' } }, this.t(label));
    button.addEventListener('click', () => {
      // One tap, one action: a double tap must not start two attempts.
      button.disabled = true;
      run();
    });
    return button;
  }

  private show(name: string, ...children: Array<Node | undefined>): void {
    const first = this.screen.dataset.screen === undefined;
    this.screen.dataset.screen = name;
    this.screen.replaceChildren(...children.filter((c): c is Node => c !== undefined));
    // A new screen after a tap: screen readers start reading at its heading. Not on arrival,
    // where the browser's own focus handling is right.
    if (!first) this.screen.querySelector('h1')?.focus();
  }
}
