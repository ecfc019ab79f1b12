// Uploading a capture the way the hosted page does: batches of 4 frames, 200 ms apart, the frontal
// phase first and then the steps in order.
import { expect } from 'vitest';
import { dataUri } from './faces.js';
import type { TestService } from './service.js';

/** Sends `frames` for a started capture of `steps` moves, spread evenly over the phases; each batch must be accepted. */
export async function sendFrames(t: TestService, captureId: string, steps: number, frames: readonly Buffer[]): Promise<void> {
  const perStep = Math.floor(frames.length / (steps + 1));
  for (let i = 0; i < frames.length; i += 4) {
    const batch = frames.slice(i, i + 4).map((jpeg, j) => {
      const n = i + j;
      return { t: n * 200, step: Math.min(steps - 1, Math.floor(n / perStep) - 1), image: dataUri(jpeg) };
    });
    const res = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: batch } });
    expect(res.status).toBe(202);
  }
}
