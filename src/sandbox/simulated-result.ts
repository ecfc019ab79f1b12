// The result a sandbox decision stores: the same StoredResult and image rows as the analysis job
// writes (src/jobs/analyse-check.ts), with plausible values instead of measured ones.
import type { CheckOptions, StoredResult } from '../checks/model.js';
import type { BoundingBox, FailureReason } from '../engine/types.js';
import { LivecheckError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { ImageRow } from '../store/checks.js';
import { sandboxFrame } from './images.js';
import { endingOf } from './outcomes.js';

export interface SimulatedDecision {
  status: 'complete' | 'failed';
  result: StoredResult;
  images: ImageRow[];
  hasAudit: boolean;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const between = (low: number, high: number, random: () => number) => low + (high - low) * random();

function plausibleBox(random: () => number): BoundingBox {
  return {
    left: round4(between(0.28, 0.34, random)),
    top: round4(between(0.18, 0.24, random)),
    width: round4(between(0.34, 0.4, random)),
    height: round4(between(0.48, 0.55, random)),
  };
}

/** A confidence on the right side of the threshold, as the engine would give. */
function confidenceFor(passed: boolean, threshold: number, random: () => number): number {
  if (passed) return Math.min(1, Math.ceil((threshold + (1 - threshold) * between(0.55, 0.9, random)) * 10_000) / 10_000);
  return Math.floor(threshold * between(0.15, 0.7, random) * 10_000) / 10_000;
}

export async function simulateDecision(
  options: CheckOptions,
  outcome: { passed: true } | { passed: false; reason: FailureReason },
  now: number,
  box: SecretBox,
  random: () => number = Math.random,
): Promise<SimulatedDecision> {
  const checkedAt = new Date(now).toISOString();
  if (!outcome.passed && endingOf(outcome.reason) === 'refused') {
    // As the real service: no decision was made, so no confidence, box or images.
    return {
      status: 'failed',
      result: { passed: false, confidence: 0, threshold: options.threshold, checked_at: checkedAt, failure_reason: outcome.reason, images_kept: 0 },
      images: [],
      hasAudit: false,
    };
  }
  if (!outcome.passed && options.threshold === 0) {
    throw new LivecheckError('invalid_request', `this check's threshold is 0, so any decided check passes; simulate a refusal such as "no_face" instead of "${outcome.reason}"`);
  }
  const boundingBox = plausibleBox(random);
  const result: StoredResult = {
    passed: outcome.passed,
    confidence: confidenceFor(outcome.passed, options.threshold, random),
    threshold: options.threshold,
    checked_at: checkedAt,
    bounding_box: boundingBox,
    ...(outcome.passed ? {} : { failure_reason: outcome.reason }),
  };
  const images: ImageRow[] = [];
  if (options.retain_image) {
    images.push({ kind: 'probe', position: 0, image_sealed: box.encrypt(await sandboxFrame(boundingBox, 0)), bounding_box: JSON.stringify(boundingBox), captured_at: now - 1500 });
  }
  for (let position = 0; position < options.audit_images; position++) {
    // Spread over the last few seconds, turning from one side to the other like a challenge.
    const turn = options.audit_images === 1 ? 0.5 : -1 + (2 * position) / (options.audit_images - 1);
    const auditBox = plausibleBox(random);
    images.push({
      kind: 'audit',
      position,
      image_sealed: box.encrypt(await sandboxFrame(auditBox, turn)),
      bounding_box: JSON.stringify(auditBox),
      captured_at: now - 6000 + position * Math.floor(5000 / Math.max(1, options.audit_images)),
    });
  }
  result.images_kept = images.length;
  return { status: 'complete', result, images, hasAudit: options.audit_images > 0 };
}
