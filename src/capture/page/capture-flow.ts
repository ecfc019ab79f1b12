// The page from intro to result: start the attempt, open the camera, preview, capture, and every
// way it can go wrong, each with words that say what to do and, where it helps, "Try again".
import type { CaptureStart } from '../../checks/service.js';
import { CaptureAttempt, type AttemptOutcome } from './capture-attempt.js';
import { CameraError, betterCamera, deviceIdOf, listCameras, openCamera, stopCamera } from './camera.js';
import { permissionHintKey } from './browser-hints.js';
import { CaptureApiError, type CaptureClient, NetworkError } from './protocol-client.js';
import { isRepeatable, withRetry } from './retry.js';
import type { CaptureView, ProblemScreen } from './view.js';

export interface FlowEnvironment {
  userAgent: string;
  maxTouchPoints: number;
  navigate(url: string): void;
  /** How long the result screen stays before the redirect. */
  redirectDelayMs: number;
}

export class CaptureFlow {
  private stream: MediaStream | undefined;
  /** A camera the person picked; otherwise the browser's front camera. */
  private chosenCamera: string | undefined;
  private session: CaptureStart | undefined;
  /** The started attempt has not sent a frame yet, so it can still be used (e.g. after a camera problem). */
  private sessionUnused = false;
  private attempt: CaptureAttempt | undefined;

  constructor(
    private readonly view: CaptureView,
    private readonly client: CaptureClient,
    private readonly env: FlowEnvironment,
  ) {
    document.addEventListener('visibilitychange', () => {
      // Frames taken while the page is hidden would be stale or black, and timers are throttled.
      if (document.visibilityState === 'hidden' && this.attempt?.capturing) this.attempt.abort();
    });
  }

  begin(): void {
    this.view.intro(() => void this.prepare());
  }

  /** Start (or Try again): a fresh attempt from the server, then the camera, then the preview. */
  private async prepare(): Promise<void> {
    if (!this.sessionUnused) {
      this.view.waiting('starting');
      try {
        this.session = await withRetry(() => this.client.start());
        this.sessionUnused = true;
      } catch (error) {
        this.apiProblem(error, 'start');
        return;
      }
    }
    if (!this.cameraLive()) {
      this.view.waiting('cameraRequesting', 'cameraRequestingHint');
      try {
        await this.useCamera(this.chosenCamera);
      } catch (error) {
        this.cameraProblem(error);
        return;
      }
    }
    await this.preview();
  }

  private cameraLive(): boolean {
    return this.stream?.getVideoTracks().some((t) => t.readyState === 'live') ?? false;
  }

  private async useCamera(deviceId: string | undefined): Promise<void> {
    stopCamera(this.stream);
    this.stream = undefined;
    let stream = await openCamera(deviceId);
    if (deviceId === undefined) {
      // Windows Hello IR cameras and virtual cameras can come first in the list: never use one silently.
      const better = betterCamera(await listCameras(), deviceIdOf(stream));
      if (better) {
        stopCamera(stream);
        stream = await openCamera(better.deviceId);
      }
    }
    this.stream = stream;
    for (const track of stream.getVideoTracks()) {
      track.addEventListener('ended', () => {
        if (this.stream === stream) this.cameraLost();
      });
    }
    this.view.video.srcObject = stream;
    await this.view.video.play().catch(() => undefined);
  }

  private async preview(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    this.view.preview({
      cameras: await listCameras(),
      current: deviceIdOf(stream),
      switchCamera: (deviceId) => void this.switchCamera(deviceId),
      ready: () => void this.capture(),
    });
    void this.view.video.play().catch(() => undefined);
  }

  private async switchCamera(deviceId: string): Promise<void> {
    this.chosenCamera = deviceId;
    try {
      await this.useCamera(deviceId);
    } catch (error) {
      this.cameraProblem(error);
    }
  }

  private async capture(): Promise<void> {
    const session = this.session;
    if (!session || !this.sessionUnused) {
      await this.prepare();
      return;
    }
    this.sessionUnused = false;
    this.attempt = new CaptureAttempt(session, this.client, this.view);
    const outcome = await this.attempt.run();
    this.attempt = undefined;
    this.settle(outcome);
  }

  private settle(outcome: AttemptOutcome): void {
    const attemptsLeft = this.session?.attempts_left;
    switch (outcome.kind) {
      case 'finished':
        this.finished(outcome.redirect);
        return;
      case 'no_face':
        this.problem({ name: 'no-face', icon: 'face', title: 'noFaceTitle', body: 'noFaceBody', ...(outcome.problem ? { hint: outcome.problem } : {}) }, attemptsLeft);
        return;
      case 'aborted':
        if (this.cameraLive()) this.problem({ name: 'paused', icon: 'pause', title: 'pausedTitle', body: 'pausedBody' }, attemptsLeft);
        return;
      case 'failed':
        if (outcome.stage === 'finish' && isRepeatable(outcome.error)) {
          // Every frame arrived; only the last call failed. Repeat it rather than start over.
          this.view.problem({ name: 'network', icon: 'wifi', title: 'networkTitle', body: 'networkBody', action: { label: 'tryAgain', run: () => void this.finishAgain() } });
          return;
        }
        this.apiProblem(outcome.error, 'frames');
        return;
    }
  }

  private async finishAgain(): Promise<void> {
    this.view.waiting('finishing');
    try {
      const answer = await withRetry(() => this.client.finish());
      this.finished(answer.redirect);
    } catch (error) {
      this.settle({ kind: 'failed', error, stage: 'finish' });
    }
  }

  private finished(redirect: string | undefined): void {
    this.releaseCamera();
    this.view.done(redirect);
    if (redirect) setTimeout(() => this.env.navigate(redirect), this.env.redirectDelayMs);
  }

  /** A problem after which "Try again" starts a new attempt, while the link allows one. */
  private problem(screen: ProblemScreen, attemptsLeft: number | undefined): void {
    const canRetry = attemptsLeft === undefined || attemptsLeft > 0;
    this.view.problem({
      ...screen,
      ...(attemptsLeft !== undefined ? { attemptsLeft } : {}),
      ...(canRetry ? { action: { label: 'tryAgain', run: () => void this.prepare() } } : {}),
    });
    if (!canRetry) this.releaseCamera();
  }

  private apiProblem(error: unknown, during: 'start' | 'frames'): void {
    const attemptsLeft = during === 'frames' ? this.session?.attempts_left : undefined;
    if (error instanceof CaptureApiError) {
      const final = (screen: ProblemScreen) => {
        this.releaseCamera();
        this.view.problem(screen);
      };
      switch (error.code) {
        case 'not_found':
          return final({ name: 'not-found', icon: 'link', tone: 'muted', title: 'notFoundTitle', body: 'notFoundBody' });
        case 'link_expired':
          return final({ name: 'expired', icon: 'clock', tone: 'muted', title: 'expiredTitle', body: 'expiredBody' });
        case 'check_finished':
          return final({ name: 'finished', icon: 'check', tone: 'muted', title: 'finishedTitle', body: 'finishedBody' });
        case 'too_many_attempts':
          return final({ name: 'no-attempts', icon: 'warning', title: 'noAttemptsTitle', body: 'noAttemptsBody' });
        case 'attempt_superseded':
          // Another tab or device started the link again; this page's count of attempts is stale.
          this.releaseCamera();
          return this.problem({ name: 'superseded', icon: 'link', tone: 'muted', title: 'supersededTitle', body: 'supersededBody' }, undefined);
      }
    }
    if (error instanceof NetworkError || isRepeatable(error)) {
      this.problem({ name: 'network', icon: 'wifi', title: 'networkTitle', body: 'networkBody' }, attemptsLeft);
      return;
    }
    this.problem({ name: 'failed', icon: 'warning', title: 'failedTitle', body: 'failedBody' }, attemptsLeft);
  }

  private cameraProblem(error: unknown): void {
    const retry = { label: 'retryCamera' as const, run: () => void this.prepare() };
    const problem = error instanceof CameraError ? error.problem : 'busy';
    switch (problem) {
      case 'denied':
        this.view.problem({
          name: 'camera-denied',
          icon: 'camera',
          title: 'deniedTitle',
          body: 'deniedBody',
          hint: permissionHintKey(this.env.userAgent, this.env.maxTouchPoints),
          action: retry,
        });
        return;
      case 'no_camera':
        this.view.problem({ name: 'no-camera', icon: 'camera', title: 'noCameraTitle', body: 'noCameraBody', action: retry });
        return;
      case 'unsupported':
        this.view.problem({ name: 'unsupported', icon: 'camera', title: 'unsupportedTitle', body: 'unsupportedBody' });
        return;
      case 'busy':
        this.view.problem({ name: 'camera-busy', icon: 'camera', title: 'cameraBusyTitle', body: 'cameraBusyBody', action: retry });
        return;
    }
  }

  /** The camera stopped on its own (unplugged, taken by the system). */
  private cameraLost(): void {
    this.stream = undefined;
    if (this.attempt?.capturing) {
      this.attempt.abort();
      this.cameraProblem(new CameraError('busy', 'the camera track ended'));
    }
  }

  private releaseCamera(): void {
    stopCamera(this.stream);
    this.stream = undefined;
    this.view.video.srcObject = null;
  }
}
