// The SDK's view of a liveness check: the HTTP API's fields in camelCase, and one discriminated
// union on `status` so that a terminal status cannot be missed in a `switch`.

export interface CreateCheckOptions {
  /** Absolute http(s) URL the capture page sends the user to, with `lc_token` appended. Never trust that token as a result. */
  redirectUrl?: string;
  /** 0–10 intermediate frames kept for audit (default 0). */
  auditImages?: number;
  /** Keep the probe frame and return it as `result.image` (default true). */
  retainImage?: boolean;
  /** Confidence needed to pass, 0–1 (the service's default when omitted). */
  threshold?: number;
  /** Seconds until the link expires, 60–86400 (default 900). */
  expiresIn?: number;
  /** Your own reference (≤ 128 characters), echoed back. */
  reference?: string;
  /** Receives signed events about this check. */
  webhookUrl?: string;
}

/**
 * `live`: a real check, decided by the face models. `test`: a sandbox check made with a test key
 * (`lc_test_…`), decided by `simulate` or its simulation page; never readable with a live key.
 */
export type CheckMode = 'live' | 'test';

export interface CreatedCheck {
  id: string;
  mode: CheckMode;
  /** The secret that reads the result. Keep it on your server, tied to the user's session. */
  token: string;
  /** The capture link to give the user. */
  url: string;
  status: 'pending';
  expiresAt: string;
  reference?: string;
}

/** Fractions of the frame's width and height, origin top-left. */
export interface BoundingBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface AuditImage {
  /** `data:image/jpeg;base64,…` */
  image: string;
  boundingBox: BoundingBox;
  capturedAt: string;
}

export interface CheckResult {
  /** True only when the status is `complete` and `confidence ≥ threshold`. Decide on this. */
  passed: boolean;
  confidence: number;
  threshold: number;
  checkedAt: string;
  boundingBox?: BoundingBox;
  /** The probe frame, `data:image/jpeg;base64,…`, when retained. */
  image?: string;
  /** Present until the service's audit-image retention passes (default 30 minutes after completion). */
  auditImages?: AuditImage[];
  /** Why the check did not pass, e.g. `step_not_done`, `no_face`, `capture_abandoned`. */
  failureReason?: string;
}

/** Not decided yet (HTTP 202). Ask again no sooner than `retryAfterMs`. */
export interface OpenCheck {
  id: string;
  mode: CheckMode;
  status: 'pending' | 'in_progress';
  expiresAt: string;
  /** From the `Retry-After` header. */
  retryAfterMs: number;
}

/** Decided (HTTP 200). `failed` means no decision could be made from the capture: `passed` is false. */
export interface FinishedCheck {
  id: string;
  mode: CheckMode;
  status: 'complete' | 'failed';
  reference?: string;
  result: CheckResult;
}

/** The link expired without a capture (HTTP 410). */
export interface ExpiredCheck {
  id: string;
  mode: CheckMode;
  status: 'expired';
}

export type LivenessCheck = OpenCheck | FinishedCheck | ExpiredCheck;

/** What `waitForResult` ends with: every status after which nothing will change. */
export type TerminalCheck = FinishedCheck | ExpiredCheck;

export type CheckStatus = LivenessCheck['status'];

/** What the sandbox can make a test check do (`simulate`). */
export type SimulatedOutcome = 'passed' | 'failed' | 'in_progress' | 'expired';

export interface SimulateOptions {
  /**
   * With `failed` only (default `step_not_done`). As in the real service, a refusal (`no_face`,
   * `too_dark`, `multiple_faces`…) ends `failed`; a decided failure (`step_not_done`,
   * `wrong_direction`, `moved_out_of_frame`, `identity_changed`, `flat_surface`) ends `complete` with
   * `passed: false`.
   */
  failureReason?: string;
  signal?: AbortSignal;
}

/** The test check's status right after the simulation; read the result with getCheck. */
export interface SimulatedCheck {
  id: string;
  mode: 'test';
  status: CheckStatus;
}

export function isTerminal(check: LivenessCheck): check is TerminalCheck {
  return check.status !== 'pending' && check.status !== 'in_progress';
}

/** Time and randomness, injectable so that tests can assert delays without waiting for them. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1), for jitter. */
  random(): number;
}
