// The server's per-frame feedback in words, and which of it is worth showing at each moment.
import type { FrameReceipt } from '../../checks/service.js';
import type { MessageKey } from './i18n/messages.js';
import type { FaceProgress, Phase } from './choreography.js';

type Feedback = FrameReceipt['feedback'];

const usable = (feedback: Feedback) => feedback === 'ok' || feedback === 'pending';

const WORDS: Partial<Record<Feedback, MessageKey>> = {
  no_face: 'feedbackNoFace',
  multiple_faces: 'feedbackMultipleFaces',
  face_too_small: 'feedbackTooSmall',
  face_too_close: 'feedbackTooClose',
  face_not_centered: 'feedbackNotCentered',
  too_dark: 'feedbackTooDark',
  too_bright: 'feedbackTooBright',
  blurred: 'feedbackBlurred',
};

/** While turning, a face is expected to leave the centre or go undetected: only light and other people matter. */
const DURING_MOVES: ReadonlySet<Feedback> = new Set<Feedback>(['multiple_faces', 'too_dark', 'too_bright']);

/** Keeps the last few answers so that one odd frame does not make the hint flicker. */
export class FeedbackTracker {
  private recent: Feedback[] = [];
  /** Opening-phase frames (step -1) answered without one usable face. */
  unusableOpening = 0;

  add(receipts: readonly FrameReceipt[]): void {
    const ordered = [...receipts].sort((a, b) => a.seq - b.seq);
    for (const r of ordered) if (r.step === -1 && !usable(r.feedback)) this.unusableOpening++;
    this.recent = [...this.recent, ...ordered.map((r) => r.feedback)].slice(-3);
  }

  /** The latest frame had one usable face (or the server will look at it later). */
  get faceReady(): boolean {
    const last = this.recent[this.recent.length - 1];
    return last !== undefined && usable(last);
  }

  get progress(): FaceProgress {
    return { ready: this.faceReady, unusable: this.unusableOpening };
  }

  /** The hint to show now: the same problem in the last two answers. */
  hint(phase: Phase): MessageKey | undefined {
    const [before, last] = this.recent.slice(-2);
    if (last === undefined || before !== last) return undefined;
    if ((phase.kind === 'turn' || phase.kind === 'back') && !DURING_MOVES.has(last)) return undefined;
    return WORDS[last];
  }

  /** The problem seen most in the last answers, to explain a give-up. */
  lastProblem(): MessageKey | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const words = WORDS[this.recent[i] ?? 'ok'];
      if (words) return words;
    }
    return undefined;
  }
}
