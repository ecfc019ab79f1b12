// The lifecycle of a liveness check: created by a tenant's backend, captured through its link,
// analysed by a job, read back by the backend. pending → in_progress → complete | failed | expired.
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { drawChallenge } from '../capture/challenge.js';
import { type FrameLimits, decodeFrame } from '../capture/frame-input.js';
import type { Clock } from '../clock.js';
import type { Challenge, FrameAnalyzer, FrameFeedback, FrameObservation } from '../engine/types.js';
import { LivecheckError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import { CAPTURE_ID_PATTERN, TOKEN_PATTERN, hashSecret, newCaptureId, newCheckToken } from '../security/secrets.js';
import { recordAudit } from '../store/audit-log.js';
import {
  checksCreatedBefore,
  deleteFrames,
  deleteProbeImagesCompletedBefore,
  eraseCheckRows,
  findCheckByCaptureHash,
  framesAt,
  findCheckByIdempotencyKey,
  findCheckByTokenHash,
  imagesOf,
  insertCheck,
  insertFrames,
  setFrameObservation,
  transitionCheck,
  type PolledCheck,
} from '../store/checks.js';
import { enqueueJob } from '../store/jobs.js';
import type { PointRead } from '../store/point-read.js';
import type { CheckRow, CheckStatus, CheckUpdate, Database } from '../store/schema.js';
import { recordCheckEvent } from '../webhooks/outbox.js';
import { assertWebhookUrl } from '../webhooks/webhooks.js';
import type { CheckOptions, CheckOwner, CheckResult, CheckView, CreateCheckInput, CreatedCheck, StoredResult } from './model.js';

export interface CaptureSettings {
  /** Longest side the client should send, in pixels. */
  maxWidth: number;
  /** Milliseconds between frames the client should capture. */
  intervalMs: number;
  /** Capture attempts allowed per link ("Try again"). */
  maxAttempts: number;
  /** Frames accepted in one upload request. */
  maxFramesPerRequest: number;
  /** Frames accepted over one capture attempt. */
  maxFramesPerAttempt: number;
  limits: FrameLimits;
}

export interface CheckServiceDeps {
  db: Kysely<Database>;
  /** The poll's read of a check by token hash (polledCheckReader), off Kysely's driver. */
  readPolledCheck: PointRead<PolledCheck>;
  box: SecretBox;
  clock: Clock;
  /** Base of capture links; a function because with PORT=0 it is known only once listening. */
  publicUrl: () => string;
  defaultThreshold: number;
  /** The tenant's own default threshold (tenant settings), which wins over `defaultThreshold`. */
  tenantThreshold?: (tenant: string) => Promise<number | undefined>;
  defaultExpiresInSeconds: number;
  capture: CaptureSettings;
  /** Runs the models on frames as they arrive, for feedback; absent in processes without models. */
  analyzer?: FrameAnalyzer | undefined;
  /** Called after a capture finished and its analysis job was queued. */
  onAnalysisQueued?: (checkId: string) => void;
  /** Called after frames were queued for observation by a worker. */
  onFramesQueued?: (checkId: string) => void;
  /** How long checks and probe images are kept; DEFAULT_RETENTION when absent. */
  retention?: RetentionSettings;
  /** LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: accept a webhook_url on localhost or a private literal IP. */
  allowPrivateWebhooks?: boolean;
}

export interface RetentionSettings {
  /** Whole checks are deleted this long after creation (LIVECHECK_RESULT_TTL). */
  resultTtlSeconds: number;
  /** Probe images are deleted this long after completion (LIVECHECK_PROBE_IMAGE_TTL). */
  probeImageTtlSeconds: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { resultTtlSeconds: 30 * 86_400, probeImageTtlSeconds: 30 * 86_400 };

export interface CaptureStart {
  challenge: Challenge;
  frame: { max_width: number; interval_ms: number };
  expires_at: string;
  attempt: number;
  attempts_left: number;
}

export interface FrameUpload {
  t: number;
  step: number;
  image: string;
}

export interface FrameReceipt {
  seq: number;
  t: number;
  step: number;
  feedback: FrameFeedback | 'pending';
  bounding_box?: { left: number; top: number; width: number; height: number };
  /** This attempt already had a frame at this `t` (a retried request): nothing new was stored. */
  duplicate?: true;
}

const iso = (ms: number) => new Date(ms).toISOString();

function parseOptions(row: CheckRow): CheckOptions {
  return JSON.parse(row.options) as CheckOptions;
}

/** A digest of what was asked, so a reused Idempotency-Key with another body is caught. */
function requestDigest(input: CreateCheckInput): string {
  const canonical = JSON.stringify(Object.keys(input).sort().map((k) => [k, input[k as keyof CreateCheckInput]]));
  return createHash('sha256').update(canonical).digest('hex');
}

export class LivenessChecks {
  constructor(private readonly deps: CheckServiceDeps) {}

  private get db() {
    return this.deps.db;
  }

  private now() {
    return this.deps.clock.now();
  }

  /** The mode comes from the key alone, never from the request body (which has no such field). */
  async create(tenant: CheckOwner & { apiKeyId: string }, input: CreateCheckInput, idempotencyKey?: string): Promise<CreatedCheck> {
    // A webhook_url that can never be delivered to is a mistake to report now, not a day of refusals.
    if (input.webhook_url !== undefined) assertWebhookUrl(input.webhook_url, this.deps.allowPrivateWebhooks ?? false, 'webhook_url');
    const digest = requestDigest(input);
    if (idempotencyKey !== undefined) {
      const existing = await findCheckByIdempotencyKey(this.db, tenant, idempotencyKey);
      if (existing) return this.replay(existing, digest);
    }
    const now = this.now();
    const token = newCheckToken();
    const captureId = newCaptureId();
    const options: CheckOptions = {
      audit_images: input.audit_images ?? 0,
      retain_image: input.retain_image ?? true,
      threshold: input.threshold ?? (await this.deps.tenantThreshold?.(tenant.tenant)) ?? this.deps.defaultThreshold,
      ...(input.redirect_url !== undefined ? { redirect_url: input.redirect_url } : {}),
      ...(input.webhook_url !== undefined ? { webhook_url: input.webhook_url } : {}),
    };
    const row = {
      id: randomUUID(),
      tenant: tenant.tenant,
      api_key_id: tenant.apiKeyId,
      mode: tenant.mode,
      token_hash: hashSecret(token),
      capture_hash: hashSecret(captureId),
      token_sealed: this.deps.box.encryptText(JSON.stringify({ token, captureId })),
      status: 'pending' as const,
      options: JSON.stringify(options),
      reference: input.reference ?? null,
      idempotency_key: idempotencyKey ?? null,
      request_hash: idempotencyKey !== undefined ? digest : null,
      challenge: null,
      attempts: 0,
      frame_count: 0,
      result: null,
      created_at: now,
      expires_at: now + (input.expires_in ?? this.deps.defaultExpiresInSeconds) * 1000,
      started_at: null,
      finished_at: null,
      completed_at: null,
      images_expire_at: null,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await insertCheck(trx, row);
        await recordAudit(trx, { actor: `tenant:${tenant.tenant}`, action: 'check.create', subject: row.id, details: { api_key_id: tenant.apiKeyId } }, now);
      });
    } catch (error) {
      // Two requests with one Idempotency-Key raced: the unique index let one in; answer as it did.
      if (idempotencyKey !== undefined) {
        const winner = await findCheckByIdempotencyKey(this.db, tenant, idempotencyKey);
        if (winner) return this.replay(winner, digest);
      }
      throw error;
    }
    return this.createdView(row, token, captureId);
  }

  private replay(existing: CheckRow, digest: string): CreatedCheck {
    if (existing.request_hash !== digest) {
      throw new LivecheckError('idempotency_key_reused', 'this Idempotency-Key was already used with a different request body');
    }
    const { token, captureId } = JSON.parse(this.deps.box.decryptText(existing.token_sealed)) as { token: string; captureId: string };
    return this.createdView(existing, token, captureId);
  }

  private createdView(row: { id: string; mode: CheckRow['mode']; expires_at: number; reference: string | null }, token: string, captureId: string): CreatedCheck {
    return {
      id: row.id,
      token,
      url: `${this.deps.publicUrl()}/c/${captureId}`,
      status: 'pending',
      mode: row.mode,
      expires_at: iso(row.expires_at),
      ...(row.reference !== null ? { reference: row.reference } : {}),
    };
  }

  /**
   * The backend's read. Unknown, malformed, other tenants' tokens and tokens of the other mode (a test
   * check read with a live key, or the reverse) are indistinguishable.
   */
  async get(owner: CheckOwner, token: string): Promise<CheckView> {
    if (!TOKEN_PATTERN.test(token)) throw unknownToken();
    let row: PolledCheck | undefined = await this.deps.readPolledCheck(hashSecret(token));
    if (!row || row.tenant !== owner.tenant || row.mode !== owner.mode) throw unknownToken();
    if (row.expires_at <= this.now() && row.finished_at === null) {
      // Rare: the poll reached the link past its expiry before the sweeper did; settle it with the whole row.
      row = await this.settleExpiry(await this.ownedRow(owner, token));
    }
    switch (row.status) {
      case 'pending':
      case 'in_progress':
        return { state: 'open', id: row.id, status: row.status, mode: row.mode, expires_at: iso(row.expires_at) };
      case 'expired':
        return { state: 'expired', id: row.id, status: 'expired', mode: row.mode };
      case 'complete':
      case 'failed': {
        const result = this.resultOf(row);
        return {
          state: 'done',
          id: row.id,
          status: row.status,
          mode: row.mode,
          ...(row.reference !== null ? { reference: row.reference } : {}),
          result: result instanceof Promise ? await result : result,
        };
      }
    }
  }

  /**
   * Expiry is decided on read as well as by the sweeper: a link never used becomes `expired`; a
   * capture started but never finished becomes `failed` with `capture_abandoned`.
   */
  async settleExpiry(row: CheckRow): Promise<CheckRow> {
    const now = this.now();
    if (row.expires_at > now || row.finished_at !== null) return row;
    let update: CheckUpdate;
    if (row.status === 'pending') {
      update = { status: 'expired', completed_at: now };
    } else if (row.status === 'in_progress') {
      const result: StoredResult = {
        passed: false,
        confidence: 0,
        threshold: parseOptions(row).threshold,
        checked_at: iso(now),
        failure_reason: 'capture_abandoned',
      };
      update = { status: 'failed', completed_at: now, result: JSON.stringify(result) };
    } else {
      return row;
    }
    await this.db.transaction().execute(async (trx) => {
      if (await transitionCheck(trx, row.id, [row.status], update)) {
        await deleteFrames(trx, row.id);
        await recordCheckEvent(trx, row, update.status as CheckStatus, now);
        await recordAudit(trx, { actor: 'system', action: update.status === 'expired' ? 'check.expire' : 'check.failed', subject: row.id }, now);
      }
    });
    return (await findCheckByTokenHash(this.db, row.token_hash)) ?? row;
  }

  /** Synchronous unless images were kept: a promise and a turn saved on most polls. */
  private resultOf(row: PolledCheck): CheckResult | Promise<CheckResult> {
    const stored = JSON.parse(row.result ?? '{}') as StoredResult;
    const result: CheckResult = {
      passed: stored.passed,
      confidence: stored.confidence,
      threshold: stored.threshold,
      checked_at: stored.checked_at,
      ...(stored.bounding_box ? { bounding_box: stored.bounding_box } : {}),
      ...(stored.failure_reason ? { failure_reason: stored.failure_reason } : {}),
    };
    return stored.images_kept ? this.withImages(row, result) : result;
  }

  private async withImages(row: PolledCheck, result: CheckResult): Promise<CheckResult> {
    const images = await imagesOf(this.db, row.id);
    const auditVisible = row.images_expire_at !== null && row.images_expire_at > this.now();
    const dataUri = (sealed: Buffer) => `data:image/jpeg;base64,${this.deps.box.decrypt(sealed).toString('base64')}`;
    const probe = images.find((i) => i.kind === 'probe');
    if (probe) result.image = dataUri(probe.image_sealed);
    const audit = images.filter((i) => i.kind === 'audit');
    if (auditVisible && audit.length > 0) {
      result.audit_images = audit.map((i) => ({
        image: dataUri(i.image_sealed),
        bounding_box: JSON.parse(i.bounding_box) as CheckResult['bounding_box'] & object,
        captured_at: iso(i.captured_at),
      }));
    }
    return result;
  }

  private async captureRow(captureId: string): Promise<CheckRow> {
    if (!CAPTURE_ID_PATTERN.test(captureId)) throw unknownCaptureLink();
    const row = await findCheckByCaptureHash(this.db, hashSecret(captureId));
    if (!row) throw unknownCaptureLink();
    return this.settleExpiry(row);
  }

  private assertCapturing(row: CheckRow): void {
    if (row.status === 'expired' || (row.status === 'failed' && parseOptionsResult(row) === 'capture_abandoned')) {
      throw new LivecheckError('link_expired', 'this link has expired; ask for a new one');
    }
    if (row.status === 'complete' || row.status === 'failed' || row.finished_at !== null) {
      throw new LivecheckError('check_finished', 'this check is already finished');
    }
  }

  /** Starts (or, for "Try again", restarts) the capture with a fresh random challenge. */
  async start(captureId: string): Promise<CaptureStart> {
    // A lost race means another start took the attempt (or a finish ended the capture): look again.
    // Each loss raised `attempts` or set `finished_at`, so this ends in a start or a refusal.
    for (;;) {
      const started = await this.tryStart(captureId);
      if (started) return started;
    }
  }

  private async tryStart(captureId: string): Promise<CaptureStart | undefined> {
    const row = await this.captureRow(captureId);
    this.assertCapturing(row);
    const { maxAttempts } = this.deps.capture;
    if (row.attempts >= maxAttempts) {
      throw new LivecheckError('too_many_attempts', `this link allows ${maxAttempts} capture attempts`);
    }
    const challenge = drawChallenge();
    const now = this.now();
    // Compare-and-set on the attempt count: concurrent starts on one link cannot exceed maxAttempts,
    // and a start racing a finish cannot reopen the finished capture.
    const moved = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('liveness_checks')
        .set({ status: 'in_progress', challenge: JSON.stringify(challenge), attempts: row.attempts + 1, frame_count: 0, started_at: now })
        .where('id', '=', row.id)
        .where('status', 'in', ['pending', 'in_progress'])
        .where('attempts', '=', row.attempts)
        .where('finished_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      // Frames of an earlier attempt are of no use to this one.
      await trx.deleteFrom('capture_frames').where('check_id', '=', row.id).where('attempt', '<', row.attempts + 1).execute();
      await recordAudit(trx, { actor: 'capture', action: 'check.start', subject: row.id, details: { attempt: row.attempts + 1 } }, now);
      return true;
    });
    if (!moved) return undefined;
    return {
      challenge,
      frame: { max_width: this.deps.capture.maxWidth, interval_ms: this.deps.capture.intervalMs },
      expires_at: iso(row.expires_at),
      attempt: row.attempts + 1,
      attempts_left: maxAttempts - row.attempts - 1,
    };
  }

  /**
   * Stores frames of the current attempt. `attempt`, when the client sends it, must be the current
   * one: a batch still on its way from an earlier attempt is refused rather than mixed into this one.
   */
  async addFrames(captureId: string, frames: FrameUpload[], attempt?: number): Promise<FrameReceipt[]> {
    const row = await this.captureRow(captureId);
    this.assertCapturing(row);
    if (row.status !== 'in_progress' || row.challenge === null) {
      throw new LivecheckError('capture_not_started', 'call start before sending frames');
    }
    if (attempt !== undefined && attempt !== row.attempts) throw attemptMismatch(attempt, row.attempts);
    const { capture } = this.deps;
    if (frames.length === 0 || frames.length > capture.maxFramesPerRequest) {
      throw new LivecheckError('invalid_request', `send 1 to ${capture.maxFramesPerRequest} frames per request`);
    }
    const challenge = JSON.parse(row.challenge) as Challenge;
    const accepted: Array<{ upload: FrameUpload; jpeg: Buffer }> = [];
    for (const [i, upload] of frames.entries()) {
      if (upload.step < -1 || upload.step >= challenge.steps.length) {
        throw new LivecheckError('invalid_request', `frames[${i}].step must be -1 or an index into the ${challenge.steps.length} challenge steps`);
      }
      const { jpeg } = await decodeFrame(upload.image, capture.limits, `frames[${i}]`);
      accepted.push({ upload, jpeg });
    }
    const now = this.now();
    const current = row.attempts;
    // `t` names a frame within its attempt: a frame whose `t` is already stored is a retry of a
    // request that did arrive (the client never saw the answer), and is not stored twice.
    const stored = await this.storeNewFrames(row.id, current, attempt, accepted, now);
    if (stored.added > 0 && !this.deps.analyzer) {
      // No models in this process (role api): a worker observes the frames while capture goes on.
      await enqueueJob(this.db, { id: randomUUID(), kind: 'observe_frames', checkId: row.id, runAt: now, now });
      this.deps.onFramesQueued?.(row.id);
    }
    return Promise.all(
      accepted.map(async ({ upload: f, jpeg }, i) => {
        const place = stored.places[i] as FramePlace;
        let observation: FrameObservation | undefined;
        if (place.duplicate) {
          observation = place.observationSealed ? (JSON.parse(this.deps.box.decryptText(place.observationSealed)) as FrameObservation) : undefined;
        } else {
          observation = await this.observe(jpeg);
          if (observation) await setFrameObservation(this.db, row.id, place.seq, this.deps.box.encryptText(JSON.stringify(observation)));
        }
        const face = observation?.faces.length === 1 ? observation.faces[0] : undefined;
        return {
          seq: place.seq,
          t: f.t,
          step: f.step,
          feedback: observation?.feedback ?? 'pending',
          ...(face ? { bounding_box: face.box } : {}),
          ...(place.duplicate ? { duplicate: true as const } : {}),
        };
      }),
    );
  }

  /** Stores the frames of `accepted` whose `t` this attempt does not have yet; says where each one is. */
  private async storeNewFrames(checkId: string, current: number, attempt: number | undefined, accepted: Array<{ upload: FrameUpload; jpeg: Buffer }>, now: number) {
    const { capture } = this.deps;
    const times = accepted.map(({ upload }) => Math.round(upload.t));
    return this.db.transaction().execute(async (trx) => {
      // Lock the check's row first (a write that changes nothing): a copy of this request running at
      // the same time then waits here, and reads the frames this one stored once it has committed.
      await trx.updateTable('liveness_checks').set((eb) => ({ frame_count: eb.ref('frame_count') })).where('id', '=', checkId).execute();
      const existing = new Map((await framesAt(trx, checkId, current, [...new Set(times)])).map((f) => [f.t, f]));
      // Where each time first appears in this batch; a later repeat is that frame again.
      const firstAt = new Map<number, number>();
      times.forEach((t, i) => firstAt.has(t) || firstAt.set(t, i));
      const fresh = [...firstAt].filter(([t]) => !existing.has(t)).map(([, i]) => i);
      const placeOf = new Map<number, FramePlace>();
      for (const [t, before] of existing) placeOf.set(t, { seq: before.seq, duplicate: true, observationSealed: before.observation_sealed });
      if (fresh.length > 0) {
        const counted = await trx
          .updateTable('liveness_checks')
          .set((eb) => ({ frame_count: eb('frame_count', '+', fresh.length) }))
          .where('id', '=', checkId)
          .where('status', '=', 'in_progress')
          .where('attempts', '=', current)
          .where('finished_at', 'is', null)
          .where('frame_count', '<=', capture.maxFramesPerAttempt - fresh.length)
          .returning('frame_count')
          .executeTakeFirst();
        if (!counted) {
          const latest = await trx.selectFrom('liveness_checks').select(['frame_count', 'finished_at', 'attempts']).where('id', '=', checkId).executeTakeFirst();
          // A start between our read and this write began another attempt: these frames are not its.
          if (latest && latest.attempts !== current) throw attemptMismatch(attempt ?? current, latest.attempts);
          if (latest && latest.finished_at === null) {
            throw new LivecheckError('too_many_frames', `a capture attempt takes at most ${capture.maxFramesPerAttempt} frames`);
          }
          throw new LivecheckError('check_finished', 'this capture attempt is over');
        }
        const first = Number(counted.frame_count) - fresh.length;
        fresh.forEach((index, k) => placeOf.set(times[index] as number, { seq: first + k, duplicate: false, observationSealed: null }));
        await insertFrames(
          trx,
          fresh.map((index, k) => {
            const { upload, jpeg } = accepted[index] as { upload: FrameUpload; jpeg: Buffer };
            return {
              check_id: checkId,
              seq: first + k,
              attempt: current,
              t: times[index] as number,
              step: upload.step,
              image_sealed: this.deps.box.encrypt(jpeg),
              observation_sealed: null,
              received_at: now,
            };
          }),
        );
      }
      const places = times.map((t, i) => {
        const place = placeOf.get(t) as FramePlace;
        return firstAt.get(t) === i ? place : { ...place, duplicate: true };
      });
      return { added: fresh.length, places };
    });
  }

  /** Runs the models for live feedback; on failure the analysis job looks at the frame later. */
  private async observe(jpeg: Buffer): Promise<FrameObservation | undefined> {
    if (!this.deps.analyzer) return undefined;
    try {
      return await this.deps.analyzer.analyze(jpeg);
    } catch {
      return undefined;
    }
  }

  /** Ends the capture and queues the analysis. Safe to repeat (a retried request gets the same answer). */
  async finish(captureId: string): Promise<{ status: 'in_progress' | 'complete' | 'failed'; redirect?: string }> {
    const row = await this.captureRow(captureId);
    // A capture left unfinished past expiry was failed as abandoned: its link is as spent as an unused one.
    if (row.status === 'expired' || (row.status === 'failed' && parseOptionsResult(row) === 'capture_abandoned')) {
      throw new LivecheckError('link_expired', 'this link has expired; ask for a new one');
    }
    if (row.status === 'pending') throw new LivecheckError('capture_not_started', 'call start before finish');
    if (row.status === 'in_progress' && row.finished_at === null) {
      const now = this.now();
      await this.db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('liveness_checks')
          .set({ finished_at: now })
          .where('id', '=', row.id)
          .where('status', '=', 'in_progress')
          .where('finished_at', 'is', null)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) > 0) {
          await enqueueJob(trx, { id: randomUUID(), kind: 'analyse_check', checkId: row.id, runAt: now, now });
          await recordAudit(trx, { actor: 'capture', action: 'check.finish', subject: row.id }, now);
        }
      });
      this.deps.onAnalysisQueued?.(row.id);
    }
    const fresh = (await findCheckByCaptureHash(this.db, row.capture_hash)) ?? row;
    const status = fresh.status === 'complete' || fresh.status === 'failed' ? fresh.status : 'in_progress';
    const redirect = this.redirectFor(fresh);
    return { status, ...(redirect ? { redirect } : {}) };
  }

  /** redirect_url with the check's lc_token, as the capture page gets it when done (the sandbox page too). */
  redirectFor(row: CheckRow): string | undefined {
    const target = parseOptions(row).redirect_url;
    if (!target) return undefined;
    const { token } = JSON.parse(this.deps.box.decryptText(row.token_sealed)) as { token: string };
    const url = new URL(target);
    url.searchParams.set('lc_token', token);
    return url.toString();
  }

  /**
   * Right to erasure: deletes the check and everything kept for it now. Afterwards the token is
   * unknown; malformed, unknown and other tenants' tokens are refused exactly as by `get`.
   */
  async erase(owner: CheckOwner, token: string): Promise<void> {
    const row = await this.ownedRow(owner, token);
    const erased = await this.db.transaction().execute(async (trx) => {
      if (!(await eraseCheckRows(trx, row.id))) return false;
      await recordAudit(trx, { actor: `tenant:${owner.tenant}`, action: 'check.erase', subject: row.id, details: { mode: row.mode } }, this.now());
      return true;
    });
    // A concurrent erase (or the retention sweep) got there first.
    if (!erased) throw unknownToken();
  }

  /** The check of this token if it belongs to this tenant and mode; one answer for every other case. */
  private async ownedRow(owner: CheckOwner, token: string): Promise<CheckRow> {
    if (!TOKEN_PATTERN.test(token)) throw unknownToken();
    const row = await findCheckByTokenHash(this.db, hashSecret(token));
    if (!row || row.tenant !== owner.tenant || row.mode !== owner.mode) throw unknownToken();
    return row;
  }

  /**
   * Retention, run by the sweeper: deletes probe images past their TTL and whole checks past
   * LIVECHECK_RESULT_TTL (at most `limit` checks per call; the next sweep takes the rest).
   */
  async purgeExpired(limit = 1000): Promise<{ checks: number; probeImages: number }> {
    const retention = this.deps.retention ?? DEFAULT_RETENTION;
    const now = this.now();
    const probeImages = await deleteProbeImagesCompletedBefore(this.db, now - retention.probeImageTtlSeconds * 1000);
    let checks = 0;
    for (const due of await checksCreatedBefore(this.db, now - retention.resultTtlSeconds * 1000, limit)) {
      await this.db.transaction().execute(async (trx) => {
        if (!(await eraseCheckRows(trx, due.id))) return;
        await recordAudit(trx, { actor: 'system', action: 'check.purge', subject: due.id, details: { reason: 'result_ttl' } }, now);
        checks++;
      });
    }
    return { checks, probeImages };
  }
}

function parseOptionsResult(row: CheckRow): string | undefined {
  if (row.result === null) return undefined;
  return (JSON.parse(row.result) as StoredResult).failure_reason;
}

interface FramePlace {
  seq: number;
  duplicate: boolean;
  /** A duplicate's stored observation, for the same feedback as the first time. */
  observationSealed: Buffer | null;
}

// Built only when thrown: an Error captures a stack trace, which is costly on the polling path.
function unknownToken(): LivecheckError {
  return new LivecheckError('invalid_token', 'the token is malformed, unknown, or not yours');
}

function attemptMismatch(sent: number, current: number): LivecheckError {
  if (sent < current) {
    return new LivecheckError('attempt_superseded', `these frames belong to attempt ${sent}, but attempt ${current} has started since; they were not stored`);
  }
  return new LivecheckError('invalid_request', `attempt ${sent} has not been started; the current attempt is ${current}`);
}

function unknownCaptureLink(): LivecheckError {
  return new LivecheckError('not_found', 'this capture link does not exist');
}
