import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalyzerPool, createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import { EngineError } from '../../src/engine/errors.js';
import type { FrameObservation } from '../../src/engine/types.js';
import { faceFrame, portraitPath } from './helpers/photos.js';

let pool: AnalyzerPool;
const workers = new Map<number, Worker>();
let frame: Buffer;

beforeAll(async () => {
  frame = await faceFrame(portraitPath(), { left: 119, top: 89, side: 284 });
  pool = createAnalyzerPool({ size: 2, maxQueue: 4, onWorkerOnline: (worker, slot) => workers.set(slot, worker) });
  await pool.ready();
});

afterAll(() => pool.close());

async function rejection(promise: Promise<FrameObservation>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(error)}`);
  return error;
}

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('analyzer pool', () => {
  it('loads the models in every worker', () => {
    expect(pool.stats()).toMatchObject({ size: 2, online: 2, busy: 0, queued: 0 });
    expect(workers.size).toBe(2);
  });

  it('runs frames on both workers at once, queues the rest and refuses beyond maxQueue', async () => {
    const jobs = Array.from({ length: 6 }, () => pool.analyze(frame));
    // Dispatch is synchronous: both workers busy, four waiting (maxQueue 4).
    expect(pool.stats()).toMatchObject({ busy: 2, queued: 4 });
    const refused = await rejection(pool.analyze(frame));
    expect(refused.code).toBe('queue_full');
    const observations = await Promise.all(jobs);
    for (const observation of observations) {
      expect(observation.faces).toHaveLength(1);
      expect(observation.faces[0]?.embedding).toHaveLength(1024);
    }
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
    expect(pool.stats().completed).toBeGreaterThanOrEqual(6);
  });

  it('rejects a corrupt JPEG with invalid_image and keeps working', async () => {
    const corrupt = Buffer.concat([frame.subarray(0, 400), Buffer.alloc(2000, 0x55)]);
    expect((await rejection(pool.analyze(corrupt))).code).toBe('invalid_image');
    expect((await rejection(pool.analyze(Buffer.from('not an image')))).code).toBe('invalid_image');
    expect((await pool.analyze(frame)).faces).toHaveLength(1);
    expect(pool.stats().restarts).toBe(0);
  });

  it('does not let the caller see its buffer detached by the transfer', async () => {
    const copy = Buffer.from(frame);
    await pool.analyze(copy);
    expect(copy.equals(frame)).toBe(true);
  });

  it('replaces a worker that dies mid-frame and rejects that frame with worker_crashed', async () => {
    const job = pool.analyze(frame);
    // Slot 0 takes the first job when both are idle.
    expect(pool.stats().busy).toBe(1);
    const victim = workers.get(0);
    if (!victim) throw new Error('no worker in slot 0');
    await victim.terminate();
    const error = await rejection(job);
    expect(error.code).toBe('worker_crashed');
    await until(() => pool.stats().online === 2 && workers.get(0) !== victim);
    expect(pool.stats().restarts).toBe(1);
    const after = await Promise.all([pool.analyze(frame), pool.analyze(frame)]);
    expect(after.map((o) => o.faces.length)).toEqual([1, 1]);
  });
});

describe('analyzer pool limits and shutdown', () => {
  it('kills and replaces a worker whose frame takes longer than jobTimeoutMs', async () => {
    const slow = createAnalyzerPool({ size: 1, jobTimeoutMs: 1 });
    try {
      await slow.ready();
      expect((await rejection(slow.analyze(frame))).code).toBe('worker_crashed');
      expect(slow.stats().restarts).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('close() rejects waiting frames, is safe to call twice, and refuses new frames', async () => {
    const closing = createAnalyzerPool({ size: 1 });
    // Not awaiting ready(): frames queue until the worker is up, and close() must still settle them.
    const waiting = rejection(closing.analyze(frame));
    await Promise.all([closing.close(), closing.close()]);
    expect((await waiting).code).toBe('analyzer_closed');
    expect((await rejection(closing.analyze(frame))).code).toBe('analyzer_closed');
    await expect(closing.ready()).rejects.toMatchObject({ code: 'analyzer_closed' });
    await closing.close();
    expect(closing.stats()).toMatchObject({ online: 0, busy: 0, queued: 0 });
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createAnalyzerPool({ size: 0 })).toThrow(RangeError);
  });
});
