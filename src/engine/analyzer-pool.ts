// A pool of worker threads that each hold one Human instance and analyse one frame at a time. Jobs wait
// in a bounded queue and go to whichever worker is idle. A worker that dies is replaced and its job is
// rejected with EngineError('worker_crashed'); a job that runs too long kills its worker the same way.
import { Worker } from 'node:worker_threads';
import { EngineError, isEngineErrorCode } from './errors.js';
import { type AnalysisLimits, DEFAULT_ANALYSIS_LIMITS } from './frame-analysis.js';
import type { FrameAnalyzer, FrameObservation } from './types.js';
import type { FrameJob, FrameWorkerData, FrameWorkerMessage } from './worker-protocol.js';

export interface AnalyzerPoolOptions {
  /** Worker threads, one frame each at a time. About one per core: a frame keeps a core busy. */
  size: number;
  /** Jobs that may wait for a worker; beyond this analyze() rejects with 'queue_full'. Default 256. */
  maxQueue?: number;
  /** A job running longer than this terminates its worker ('worker_crashed'). Default 30 s. */
  jobTimeoutMs?: number;
  /** How long close() lets running jobs finish before terminating the workers. Default 5 s. */
  closeTimeoutMs?: number;
  limits?: AnalysisLimits;
  /** Called with each worker once its models are loaded (diagnostics, tests). */
  onWorkerOnline?: (worker: Worker, slot: number) => void;
}

export interface AnalyzerPoolStats {
  size: number;
  /** Workers with models loaded. */
  online: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  /** Workers replaced after dying or timing out. */
  restarts: number;
  /** Milliseconds workers have spent on frames, summed over workers (utilisation = its rate / size). */
  busyMs: number;
}

export interface AnalyzerPool extends FrameAnalyzer {
  /** Resolves once every worker has loaded its models; rejects if one cannot. */
  ready(): Promise<void>;
  stats(): AnalyzerPoolStats;
}

/** Consecutive start failures after which a slot gives up (a broken install, not a bad frame). */
const MAX_START_FAILURES = 3;

interface PendingJob {
  id: number;
  jpeg: Uint8Array;
  resolve: (observation: FrameObservation) => void;
  reject: (error: Error) => void;
}

interface Slot {
  index: number;
  worker?: Worker;
  online: boolean;
  job?: PendingJob;
  /** performance.now() when the current job was handed to the worker. */
  jobStartedAt?: number;
  timer?: NodeJS.Timeout;
  startFailures: number;
  dead: boolean;
}

/**
 * Starts the worker entry next to this module: frame-worker.js when built (dist/), frame-worker.ts when this
 * module runs from source (vitest, tsx). Node 20 does not apply `execArgv: ['--import', 'tsx']` to a
 * worker's own entry ("Unknown file extension .ts"), so a source worker starts from a one-line bootstrap
 * that registers tsx's loader and then imports the .ts entry.
 */
function spawnFrameWorker(workerData: FrameWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./frame-worker.js', import.meta.url), { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./frame-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export function createAnalyzerPool(options: AnalyzerPoolOptions): AnalyzerPool {
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`pool size must be a positive integer, got ${options.size}`);
  const maxQueue = options.maxQueue ?? 256;
  const jobTimeoutMs = options.jobTimeoutMs ?? 30_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  const workerData: FrameWorkerData = { limits: options.limits ?? DEFAULT_ANALYSIS_LIMITS };

  const slots: Slot[] = Array.from({ length: options.size }, (_, index) => ({ index, online: false, startFailures: 0, dead: false }));
  const queue: PendingJob[] = [];
  const counters = { completed: 0, failed: 0, restarts: 0, busyMs: 0 };
  let nextId = 1;
  let closing: Promise<void> | undefined;

  let resolveReady: () => void = () => undefined;
  let rejectReady: (error: Error) => void = () => undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // ready() may never be awaited (the service can start analysing straight away); don't crash on it.
  readyPromise.catch(() => undefined);

  function start(slot: Slot): void {
    const worker = spawnFrameWorker(workerData);
    slot.worker = worker;
    slot.online = false;
    worker.on('message', (message: FrameWorkerMessage) => onMessage(slot, worker, message));
    worker.on('error', (error) => onExit(slot, worker, `worker error: ${error.message}`));
    worker.on('exit', (code) => onExit(slot, worker, `worker exited with code ${code}`));
  }

  function onMessage(slot: Slot, worker: Worker, message: FrameWorkerMessage): void {
    if (slot.worker !== worker) return;
    switch (message.type) {
      case 'ready':
        slot.online = true;
        slot.startFailures = 0;
        options.onWorkerOnline?.(worker, slot.index);
        if (slots.every((s) => s.online)) resolveReady();
        dispatch();
        return;
      case 'start_failed':
        slotStartFailed(slot, message.message);
        return;
      case 'result':
      case 'error': {
        const job = slot.job;
        if (!job || job.id !== message.id) return;
        finishJob(slot);
        if (message.type === 'result') {
          counters.completed += 1;
          job.resolve(message.observation);
        } else {
          counters.failed += 1;
          job.reject(new EngineError(isEngineErrorCode(message.code) ? message.code : 'analysis_failed', message.message));
        }
        dispatch();
        return;
      }
    }
  }

  function slotStartFailed(slot: Slot, reason: string): void {
    slot.startFailures += 1;
    const worker = slot.worker;
    slot.worker = undefined;
    slot.online = false;
    void worker?.terminate();
    if (closing) return;
    if (slot.startFailures >= MAX_START_FAILURES) {
      slot.dead = true;
      const error = new EngineError('worker_start_failed', `analysis worker could not load the face models: ${reason}`);
      rejectReady(error);
      if (slots.every((s) => s.dead)) for (const job of queue.splice(0)) job.reject(error);
      return;
    }
    start(slot);
  }

  function onExit(slot: Slot, worker: Worker, reason: string): void {
    if (slot.worker !== worker) return;
    const job = slot.job;
    finishJob(slot);
    if (job) {
      counters.failed += 1;
      job.reject(new EngineError('worker_crashed', `analysis worker died during the frame (${reason})`));
    }
    if (closing) {
      slot.worker = undefined;
      slot.online = false;
      return;
    }
    if (!slot.online) {
      slotStartFailed(slot, reason);
      return;
    }
    counters.restarts += 1;
    slot.worker = undefined;
    slot.online = false;
    void worker.terminate();
    start(slot);
  }

  function finishJob(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.jobStartedAt !== undefined) counters.busyMs += performance.now() - slot.jobStartedAt;
    slot.timer = undefined;
    slot.job = undefined;
    slot.jobStartedAt = undefined;
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.online || slot.job || !slot.worker) continue;
      const job = queue.shift();
      if (!job) return;
      slot.job = job;
      slot.jobStartedAt = performance.now();
      const worker = slot.worker;
      slot.timer = setTimeout(() => onExit(slot, worker, `no answer within ${jobTimeoutMs} ms`), jobTimeoutMs);
      const message: FrameJob = { id: job.id, jpeg: job.jpeg };
      worker.postMessage(message, [job.jpeg.buffer as ArrayBuffer]);
    }
  }

  for (const slot of slots) start(slot);

  return {
    ready: () => readyPromise,

    analyze(jpeg: Buffer): Promise<FrameObservation> {
      if (closing) return Promise.reject(new EngineError('analyzer_closed', 'the analyzer pool is closed'));
      if (slots.every((s) => s.dead)) {
        return Promise.reject(new EngineError('worker_start_failed', 'no analysis worker could load the face models'));
      }
      if (queue.length >= maxQueue) {
        return Promise.reject(new EngineError('queue_full', `more than ${maxQueue} frames are waiting for analysis`));
      }
      // A private copy whose buffer can be transferred: the caller's Buffer may share a pooled ArrayBuffer.
      const copy = new Uint8Array(jpeg.byteLength);
      copy.set(jpeg);
      return new Promise<FrameObservation>((resolve, reject) => {
        queue.push({ id: nextId++, jpeg: copy, resolve, reject });
        dispatch();
      });
    },

    stats(): AnalyzerPoolStats {
      return {
        size: slots.length,
        online: slots.filter((s) => s.online).length,
        busy: slots.filter((s) => s.job).length,
        queued: queue.length,
        ...counters,
      };
    },

    close(): Promise<void> {
      closing ??= (async () => {
        const error = new EngineError('analyzer_closed', 'the analyzer pool was closed before this frame was analysed');
        for (const job of queue.splice(0)) job.reject(error);
        rejectReady(error);
        const deadline = Date.now() + closeTimeoutMs;
        while (slots.some((s) => s.job) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await Promise.all(
          slots.map(async (slot) => {
            const worker = slot.worker;
            const job = slot.job;
            finishJob(slot);
            job?.reject(error);
            slot.worker = undefined;
            slot.online = false;
            if (worker) await worker.terminate();
          }),
        );
      })();
      return closing;
    },
  };
}
