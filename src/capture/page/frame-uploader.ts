// Sends captured frames in order, a few per request, one request at a time. A request that fails
// on the way (offline, 5xx) is repeated with the same frames until it goes through or the
// connection stays gone too long; frames taken meanwhile wait behind it, so order is never lost.
import { CaptureApiError, type FrameReceipt, type FrameUpload, NetworkError } from './protocol-client.js';

export interface UploaderEvents {
  receipts(receipts: FrameReceipt[]): void;
  /** True while a request is being repeated after a failure, false once one goes through again. */
  retrying(retrying: boolean): void;
  /** Frames can no longer be delivered (the link expired, the connection stayed gone…). Called once. */
  failed(error: unknown): void;
}

export interface UploaderOptions {
  /** Frames gathered before a request is sent (the protocol suggests 2–4). */
  batchSize: number;
  /** Most frames per request when catching up on a backlog (the server takes up to 10). */
  catchUpBatchSize: number;
  /** Give up when requests have failed for this long without one going through. */
  giveUpAfterMs: number;
  backoffMs: readonly number[];
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const DEFAULT_UPLOADER_OPTIONS: UploaderOptions = {
  batchSize: 3,
  catchUpBatchSize: 10,
  giveUpAfterMs: 30_000,
  backoffMs: [400, 1000, 2000, 3000],
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** The uploader was stopped (a new attempt began, the page left); nothing to report. */
export class UploadStopped extends Error {
  override name = 'UploadStopped';
}

export class FrameUploader {
  private readonly queue: FrameUpload[] = [];
  private readonly options: UploaderOptions;
  private running = false;
  private draining = false;
  private stopped = false;
  private failure: unknown;
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(
    private readonly send: (frames: FrameUpload[]) => Promise<FrameReceipt[]>,
    private readonly events: UploaderEvents,
    options: Partial<UploaderOptions> = {},
  ) {
    this.options = { ...DEFAULT_UPLOADER_OPTIONS, ...options };
  }

  add(frame: FrameUpload): void {
    if (this.stopped || this.failure !== undefined) return;
    this.queue.push(frame);
    this.kick();
  }

  /** Sends whatever is queued; resolves once everything went through, rejects with the failure. */
  flush(): Promise<void> {
    this.draining = true;
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.stopped) return Promise.reject(new UploadStopped());
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    const settled = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.kick();
    return settled;
  }

  /** Drops what is queued and ignores answers still on the way. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.settle(new UploadStopped());
  }

  private kick(): void {
    if (this.running || this.stopped || this.failure !== undefined) return;
    if (this.queue.length === 0 || (!this.draining && this.queue.length < this.options.batchSize)) return;
    void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0 && (this.draining || this.queue.length >= this.options.batchSize)) {
        const backlog = this.queue.length > this.options.batchSize * 3;
        const size = Math.min(this.queue.length, backlog ? this.options.catchUpBatchSize : this.options.batchSize + 1);
        const batch = this.queue.slice(0, size);
        await this.sendWithRetry(batch);
        this.queue.splice(0, size);
      }
    } catch (error) {
      if (this.stopped) return;
      this.failure = error;
      this.events.failed(error);
      this.settle(error);
      return;
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.draining && this.queue.length === 0) this.settle(undefined);
    else this.kick();
  }

  private async sendWithRetry(batch: FrameUpload[]): Promise<void> {
    let failingSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new UploadStopped();
      try {
        const receipts = await this.send(batch);
        if (this.stopped) throw new UploadStopped();
        if (failingSince !== undefined) this.events.retrying(false);
        this.events.receipts(receipts);
        return;
      } catch (error) {
        if (this.stopped || error instanceof UploadStopped) throw new UploadStopped();
        // A frame the server could not decode: nothing of this request was stored and the
        // session goes on (docs/capture-protocol.md); repeating it would fail the same way.
        if (error instanceof CaptureApiError && error.code === 'invalid_frame') {
          if (failingSince !== undefined) this.events.retrying(false);
          return;
        }
        const repeatable = error instanceof NetworkError || (error instanceof CaptureApiError && error.transient);
        if (!repeatable) throw error;
        const now = this.options.now();
        failingSince ??= now;
        if (now - failingSince >= this.options.giveUpAfterMs) throw error;
        this.events.retrying(true);
        const pause = this.options.backoffMs[Math.min(attempt, this.options.backoffMs.length - 1)] ?? 1000;
        await this.options.sleep(pause);
      }
    }
  }

  private settle(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }
}
