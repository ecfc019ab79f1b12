// The sandbox's decisions, for every threshold and random draw: a simulated pass is always at or
// above the threshold, a simulated decided failure always below it, refusals carry nothing.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secret-box.js';
import { SIMULATED_FAILURE_REASONS, endingOf, isFailureReason } from '../../src/sandbox/outcomes.js';
import { simulateDecision } from '../../src/sandbox/simulated-result.js';

const box = new SecretBox([randomBytes(32)]);
const options = (threshold: number) => ({ threshold, audit_images: 0, retain_image: false });

describe('simulated decisions', () => {
  it('a pass is complete with confidence in [threshold, 1] for any threshold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), async (threshold, draw) => {
        const { status, result } = await simulateDecision(options(threshold), { passed: true }, 0, box, () => draw);
        expect(status).toBe('complete');
        expect(result.passed).toBe(true);
        expect(result.confidence).toBeGreaterThanOrEqual(threshold);
        expect(result.confidence).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('a decided failure is complete, passed:false, strictly below any threshold above 0', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0.0001, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), async (threshold, draw) => {
        const { status, result } = await simulateDecision(options(threshold), { passed: false, reason: 'flat_surface' }, 0, box, () => draw);
        expect(status).toBe('complete');
        expect(result.passed).toBe(false);
        expect(result.confidence).toBeLessThan(threshold);
        expect(result.confidence).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('a refusal is failed with confidence 0 and nothing else, as the engine', async () => {
    const refused = SIMULATED_FAILURE_REASONS.filter((r) => endingOf(r) === 'refused');
    expect(refused).toEqual(expect.arrayContaining(['no_face', 'too_dark', 'capture_abandoned', 'analysis_error']));
    for (const reason of refused) {
      const { status, result, images } = await simulateDecision({ threshold: 0.5, audit_images: 3, retain_image: true }, { passed: false, reason }, 0, box);
      expect(status).toBe('failed');
      expect(result).toMatchObject({ passed: false, confidence: 0, failure_reason: reason });
      expect(result.bounding_box).toBeUndefined();
      expect(images).toEqual([]);
    }
  });

  it('knows the engine’s reasons and no others', () => {
    expect(isFailureReason('step_not_done')).toBe(true);
    expect(isFailureReason('toString')).toBe(false);
    expect(isFailureReason('bad_luck')).toBe(false);
  });
});
