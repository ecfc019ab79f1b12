// The liveness check as the rest of the service sees it: options, stored result, and read views.
import type { BoundingBox, FailureReason, LivenessSignals } from '../engine/types.js';
import type { CheckMode } from '../store/schema.js';
import type { DecisionLimits } from './decision-limits.js';

/** Whose check it is: a tenant, and the mode of the key (live keys never see test checks, nor the reverse). */
export interface CheckOwner {
  tenant: string;
  mode: CheckMode;
}

export interface CheckOptions {
  redirect_url?: string;
  audit_images: number;
  retain_image: boolean;
  threshold: number;
  webhook_url?: string;
}

export interface CreateCheckInput {
  redirect_url?: string;
  audit_images?: number;
  retain_image?: boolean;
  threshold?: number;
  expires_in?: number;
  reference?: string;
  webhook_url?: string;
}

/** What is kept of a decision; images live in their own table so retention can delete them. */
export interface StoredResult {
  passed: boolean;
  confidence: number;
  threshold: number;
  checked_at: string;
  bounding_box?: BoundingBox;
  failure_reason?: FailureReason;
  /** How many images the analysis kept (probe + audit), so reads skip the image table when none. */
  images_kept?: number;
  /** Per-signal detail for reviewers; not part of the public result. */
  signals?: LivenessSignals;
  /** The bars those signals were held to (absent on results stored before they were kept). */
  limits?: DecisionLimits;
}

export interface AuditImage {
  image: string;
  bounding_box: BoundingBox;
  captured_at: string;
}

export interface CheckResult {
  passed: boolean;
  confidence: number;
  threshold: number;
  checked_at: string;
  bounding_box?: BoundingBox;
  image?: string;
  audit_images?: AuditImage[];
  failure_reason?: FailureReason;
}

export interface CreatedCheck {
  id: string;
  token: string;
  url: string;
  status: 'pending';
  mode: CheckMode;
  expires_at: string;
  reference?: string;
}

export type CheckView =
  | { state: 'open'; id: string; status: 'pending' | 'in_progress'; mode: CheckMode; expires_at: string }
  | { state: 'done'; id: string; status: 'complete' | 'failed'; mode: CheckMode; reference?: string; result: CheckResult }
  | { state: 'expired'; id: string; status: 'expired'; mode: CheckMode };
