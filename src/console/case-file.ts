// Everything a reviewer needs to understand one check: the decision and the signals behind it, each
// challenge step as verified, the retained images with their face boxes, when those images go, the
// lifecycle from the audit log and the webhook deliveries. Also what "export case" downloads.
import type { CheckOptions } from '../checks/model.js';
import type { RetentionSettings } from '../checks/service.js';
import { currentDecisionLimits } from '../checks/decision-limits.js';
import type { BoundingBox, Challenge, ChallengeMove } from '../engine/types.js';
import type { SecretBox } from '../security/secret-box.js';
import type { ImageRow } from '../store/checks.js';
import type { AuditLogRow, CheckRow } from '../store/schema.js';
import type { DeliveryView } from '../webhooks/webhooks.js';
import { type CheckSummary, parseResult, summarizeCheck } from './check-summary.js';

export interface CaseImage {
  kind: 'probe' | 'audit';
  position: number;
  /** data:image/jpeg;base64,… */
  image: string;
  /** Fractions of the image's width and height, origin top-left: as the API returns it. */
  bounding_box: BoundingBox;
  captured_at: string;
}

export interface CaseStep {
  index: number;
  move: ChallengeMove;
  /** Null when the analysis never got to judge the steps (the session was unusable). */
  done: boolean | null;
  peak_angle: number | null;
  /** Milliseconds from capture start, the client's clock. */
  started_ms: number | null;
  peak_ms: number | null;
}

export interface CaseSignals {
  identity_similarity: number;
  /** The bars below are the ones this check was decided against (stored with its result). */
  identity_min: number;
  identity_turned_min: number;
  parallax: number;
  parallax_flat_below: number;
  passive_real: number;
  passive_live: number;
}

export interface CaseTimelineEntry {
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export interface CaseFile {
  check: CheckSummary;
  options: { threshold: number; audit_images: number; retain_image: boolean; redirect_url: string | null; webhook_url: string | null };
  attempts: number;
  frame_count: number;
  steps: CaseStep[];
  signals: CaseSignals | null;
  bounding_box: BoundingBox | null;
  images: CaseImage[];
  /** When the audit images are deleted (about 30 minutes after the decision); null when none are kept. */
  audit_images_expire_at: string | null;
  /** When the probe image is deleted (LIVECHECK_PROBE_IMAGE_TTL after completion). */
  probe_image_expires_at: string | null;
  /** When the whole check is deleted (LIVECHECK_RESULT_TTL after creation). */
  case_expires_at: string;
  timeline: CaseTimelineEntry[];
  webhook_deliveries: DeliveryView[];
  /** The server's clock, so countdowns do not depend on the reviewer's. */
  server_time: string;
}

export interface CaseFileInput {
  row: CheckRow;
  images: ImageRow[];
  audit: AuditLogRow[];
  deliveries: DeliveryView[];
  box: SecretBox;
  retention: RetentionSettings;
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function buildCaseFile(input: CaseFileInput): CaseFile {
  const { row, now, retention } = input;
  const result = parseResult(row);
  const options = JSON.parse(row.options) as CheckOptions;
  const challenge = row.challenge === null ? undefined : (JSON.parse(row.challenge) as Challenge);
  const verified = result?.signals?.steps ?? [];
  const steps: CaseStep[] = (challenge?.steps ?? []).map((move, index) => {
    const v = verified[index];
    return {
      index,
      move,
      done: v ? v.done : null,
      peak_angle: v ? v.peakAngle : null,
      started_ms: v?.startedMs ?? null,
      peak_ms: v?.peakMs ?? null,
    };
  });
  const s = result?.signals;
  const limits = result?.limits ?? currentDecisionLimits();
  const auditVisible = row.images_expire_at !== null && row.images_expire_at > now;
  // The probe first, then the audit images in the order they were captured.
  const images: CaseImage[] = [...input.images]
    .sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === 'probe' ? -1 : 1))
    .filter((i) => i.kind === 'probe' || auditVisible)
    .map((i) => ({
      kind: i.kind,
      position: i.position,
      image: `data:image/jpeg;base64,${input.box.decrypt(i.image_sealed).toString('base64')}`,
      bounding_box: JSON.parse(i.bounding_box) as BoundingBox,
      captured_at: iso(i.captured_at),
    }));
  const hasProbe = images.some((i) => i.kind === 'probe');
  return {
    check: summarizeCheck(row, now),
    options: {
      threshold: options.threshold,
      audit_images: options.audit_images,
      retain_image: options.retain_image,
      redirect_url: options.redirect_url ?? null,
      webhook_url: options.webhook_url ?? null,
    },
    attempts: row.attempts,
    frame_count: row.frame_count,
    steps,
    signals: s
      ? {
          identity_similarity: s.identitySimilarity,
          identity_min: limits.identity_min,
          identity_turned_min: limits.identity_turned_min,
          parallax: s.parallax,
          parallax_flat_below: limits.parallax_flat_below,
          passive_real: s.passiveReal,
          passive_live: s.passiveLive,
        }
      : null,
    bounding_box: result?.bounding_box ?? null,
    images,
    audit_images_expire_at: auditVisible && row.images_expire_at !== null ? iso(row.images_expire_at) : null,
    probe_image_expires_at: hasProbe && row.completed_at !== null ? iso(row.completed_at + retention.probeImageTtlSeconds * 1000) : null,
    case_expires_at: iso(row.created_at + retention.resultTtlSeconds * 1000),
    timeline: input.audit.map((a) => ({ at: iso(a.at), actor: a.actor, action: a.action, details: JSON.parse(a.details) as Record<string, unknown> })),
    webhook_deliveries: input.deliveries,
    server_time: iso(now),
  };
}
