// One capture attempt: the timed prompts, a frame every interval_ms, uploads with feedback, finish.
import type { CaptureStart } from '../../checks/service.js';
import { Choreography, type ChoreographyTiming, DEFAULT_TIMING, type Phase } from './choreography.js';
import { FeedbackTracker } from './feedback.js';
import { FrameGrabber } from './frame-grabber.js';
import { FrameUploader } from './frame-uploader.js';
import type { MessageKey } from './i18n/messages.js';
import type { CaptureClient } from './protocol-client.js';
import { withRetry } from './retry.js';
import type { CaptureView } from './view.js';

export type AttemptOutcome =
  | { kind: 'finished'; redirect: string | undefined }
  /** No usable face came back during the opening phase; `problem` says what was seen last. */
  | { kind: 'no_face'; problem: MessageKey | undefined }
  /** `stage` tells whether the frames all went through and only finishing failed. */
  | { kind: 'failed'; error: unknown; stage: 'frames' | 'finish' }
  | { kind: 'aborted' };

export class CaptureAttempt {
  private ended = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private resolve: (outcome: AttemptOutcome) => void = () => undefined;
  private readonly tracker = new FeedbackTracker();
  private readonly uploader: FrameUploader;
  private phase: Phase = { kind: 'frontal', step: -1 };

  constructor(
    private readonly session: CaptureStart,
    private readonly client: CaptureClient,
    private readonly view: CaptureView,
    private readonly timing: ChoreographyTiming = DEFAULT_TIMING,
  ) {
    this.uploader = new FrameUploader((frames) => client.sendFrames(frames, session.attempt), {
      receipts: (receipts) => {
        this.tracker.add(receipts);
        this.view.feedback(this.tracker.hint(this.phase), this.tracker.faceReady);
      },
      retrying: (on) => this.view.reconnecting(on),
      failed: (error) => this.end({ kind: 'failed', error, stage: 'frames' }),
    });
  }

  /** True once every frame is taken: leaving the page then no longer spoils the attempt. */
  get capturing(): boolean {
    return !this.ended && this.phase.kind !== 'done';
  }

  run(): Promise<AttemptOutcome> {
    const outcome = new Promise<AttemptOutcome>((resolve) => {
      this.resolve = resolve;
    });
    this.view.captureScreen(this.session.challenge.steps);
    void this.view.video.play().catch(() => undefined);
    const grabber = new FrameGrabber(this.view.video, this.session.frame.max_width);
    const interval = this.session.frame.interval_ms;
    const choreography = new Choreography(this.session.challenge.steps, interval, this.timing);
    const startedAt = performance.now();
    let nextAt = startedAt;
    const tick = () => {
      if (this.ended) return;
      const now = performance.now();
      const elapsed = now - startedAt;
      this.phase = choreography.at(elapsed, this.tracker.progress);
      this.view.phase(this.phase);
      if (this.phase.kind === 'no_face') {
        this.uploader.stop();
        this.end({ kind: 'no_face', problem: this.tracker.lastProblem() });
        return;
      }
      if (this.phase.kind === 'done') {
        void this.complete();
        return;
      }
      this.view.feedback(this.tracker.hint(this.phase), this.tracker.faceReady);
      const image = grabber.grab();
      if (image) this.uploader.add({ t: Math.round(elapsed), step: this.phase.step, image });
      // A slow device that fell behind skips frames rather than taking a burst of them.
      nextAt = Math.max(nextAt + interval, now + interval / 2);
      this.timer = setTimeout(tick, nextAt - now);
    };
    tick();
    return outcome;
  }

  /** Stops taking and sending frames (the page was hidden, the camera went away). */
  abort(): void {
    if (this.ended) return;
    this.uploader.stop();
    this.end({ kind: 'aborted' });
  }

  private async complete(): Promise<void> {
    try {
      await this.uploader.flush();
    } catch (error) {
      this.end({ kind: 'failed', error, stage: 'frames' });
      return;
    }
    if (this.ended) return;
    try {
      const answer = await withRetry(() => this.client.finish());
      this.end({ kind: 'finished', redirect: answer.redirect });
    } catch (error) {
      this.end({ kind: 'failed', error, stage: 'finish' });
    }
  }

  private end(outcome: AttemptOutcome): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.resolve(outcome);
  }
}
