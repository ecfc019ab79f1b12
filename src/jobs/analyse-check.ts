// The analysis job: turns a finished capture's frames into exactly one stored result, then deletes
// the frames it no longer needs. Written so that running it twice cannot give a check two results.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { currentDecisionLimits } from '../checks/decision-limits.js';
import type { CheckOptions, StoredResult } from '../checks/model.js';
import type { AnalysedFrame, Challenge, FrameAnalyzer, FrameObservation, LivenessDecision } from '../engine/types.js';
import type { SecretBox } from '../security/secret-box.js';
import { type ImageRow, deleteFrames, findCheckById, framesOf, insertImages, setFrameObservation, transitionCheck } from '../store/checks.js';
import type { Database } from '../store/schema.js';
import { recordCheckEvent } from '../webhooks/outbox.js';
import { recordAudit } from '../store/audit-log.js';

export type DecideLiveness = (frames: AnalysedFrame[], challenge: Challenge, auditImages: number) => LivenessDecision;

export interface AnalysisDeps {
  db: Kysely<Database>;
  box: SecretBox;
  clock: Clock;
  analyzer: FrameAnalyzer;
  decide: DecideLiveness;
  auditImageTtlSeconds: number;
}

export interface AnalysisOutcome {
  status: 'complete' | 'failed';
  /** When the capture finished, for the decision-latency metric. */
  finishedAt: number;
  completedAt: number;
}

/** Returns how the check ended, or undefined when there was nothing to do. */
export async function analyseCheck(deps: AnalysisDeps, checkId: string): Promise<AnalysisOutcome | undefined> {
  const { db, box } = deps;
  const check = await findCheckById(db, checkId);
  if (!check || check.status !== 'in_progress' || check.finished_at === null || check.challenge === null) return undefined;
  const options = JSON.parse(check.options) as CheckOptions;
  const challenge = JSON.parse(check.challenge) as Challenge;
  const rows = await framesOf(db, checkId, check.attempts);

  const frames: AnalysedFrame[] = [];
  for (const row of rows) {
    let observation: FrameObservation;
    if (row.observation_sealed !== null) {
      observation = JSON.parse(box.decryptText(row.observation_sealed)) as FrameObservation;
    } else {
      // Frames whose live analysis failed or never ran (another process, a restart) are seen now.
      observation = await deps.analyzer.analyze(box.decrypt(row.image_sealed));
      await setFrameObservation(db, checkId, row.seq, box.encryptText(JSON.stringify(observation)));
    }
    frames.push({ t: row.t, step: row.step, observation });
  }

  const decision = deps.decide(frames, challenge, options.audit_images);
  const now = deps.clock.now();
  const checkedAt = new Date(now).toISOString();
  let status: 'complete' | 'failed';
  let result: StoredResult;
  const images: ImageRow[] = [];
  if (decision.outcome === 'failed') {
    status = 'failed';
    result = { passed: false, confidence: 0, threshold: options.threshold, checked_at: checkedAt, failure_reason: decision.failureReason };
  } else {
    status = 'complete';
    const confidence = Math.min(1, Math.max(0, decision.confidence));
    const passed = confidence >= options.threshold;
    result = {
      passed,
      confidence: Math.round(confidence * 10_000) / 10_000,
      threshold: options.threshold,
      checked_at: checkedAt,
      bounding_box: decision.boundingBox,
      ...(!passed && decision.failureReason ? { failure_reason: decision.failureReason } : {}),
      signals: decision.signals,
      limits: currentDecisionLimits(),
    };
    const probe = rows[decision.probeFrame];
    if (options.retain_image && probe) {
      images.push({ kind: 'probe', position: 0, image_sealed: probe.image_sealed, bounding_box: JSON.stringify(decision.boundingBox), captured_at: probe.received_at });
    }
    decision.auditFrames.slice(0, options.audit_images).forEach((index, position) => {
      const row = rows[index];
      const face = frames[index]?.observation.faces[0];
      if (row && face) {
        images.push({ kind: 'audit', position, image_sealed: row.image_sealed, bounding_box: JSON.stringify(face.box), captured_at: row.received_at });
      }
    });
  }
  const hasAudit = images.some((i) => i.kind === 'audit');
  result.images_kept = images.length;
  const applied = await db.transaction().execute(async (trx) => {
    const moved = await transitionCheck(trx, checkId, ['in_progress'], {
      status,
      result: JSON.stringify(result),
      completed_at: now,
      images_expire_at: hasAudit ? now + deps.auditImageTtlSeconds * 1000 : null,
    });
    if (!moved) return false;
    await recordCheckEvent(trx, check, status, now);
    await recordAudit(trx, { actor: 'system', action: status === 'complete' ? 'check.complete' : 'check.failed', subject: checkId }, now);
    await insertImages(trx, checkId, images);
    // Frames are kept only as the retained probe and audit images copied above.
    await deleteFrames(trx, checkId);
    return true;
  });
  return applied ? { status, finishedAt: check.finished_at, completedAt: now } : undefined;
}
