// The sandbox: test checks decided on request instead of by the face models. It is the real service
// with real state: decisions are stored, expire, fire webhooks through the outbox, are audited and
// retained exactly as the analysis job's are. It acts on test checks only, and answers for a live
// check exactly as for one that does not exist.
import type { Kysely } from 'kysely';
import { drawChallenge } from '../capture/challenge.js';
import type { CheckOptions, CheckOwner } from '../checks/model.js';
import type { LivenessChecks } from '../checks/service.js';
import type { Clock } from '../clock.js';
import type { FailureReason } from '../engine/types.js';
import { LivecheckError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import { CAPTURE_ID_PATTERN, hashSecret } from '../security/secrets.js';
import { type AuditActor, type AuditEntry, recordAudit } from '../store/audit-log.js';
import { deleteFrames, findCheckByCaptureHash, findCheckById, insertImages } from '../store/checks.js';
import { transitionOpenTestCheck } from '../store/sandbox-checks.js';
import type { CheckRow, CheckStatus, Database } from '../store/schema.js';
import { recordCheckEvent } from '../webhooks/outbox.js';
import { DEFAULT_FAILURE_REASON, type SimulationRequest } from './outcomes.js';
import { simulateDecision } from './simulated-result.js';

export interface SandboxDeps {
  db: Kysely<Database>;
  box: SecretBox;
  clock: Clock;
  checks: LivenessChecks;
  /** As for real results (LIVECHECK_AUDIT_IMAGE_TTL). */
  auditImageTtlSeconds: number;
}

export interface SimulatedCheck {
  id: string;
  mode: 'test';
  status: CheckStatus;
}

type AuditDetails = NonNullable<AuditEntry['details']>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class Sandbox {
  constructor(private readonly deps: SandboxDeps) {}

  /**
   * For a tenant's backend or CI, with a test key. A live key, a live check, another tenant's check
   * and an unknown id all get the same not_found.
   */
  async simulateById(owner: CheckOwner, checkId: string, request: SimulationRequest): Promise<SimulatedCheck> {
    validate(request);
    const unknown = () => new LivecheckError('not_found', 'no test check with this id for this key (the sandbox takes test keys, lc_test_…, and their checks)');
    if (owner.mode !== 'test' || !UUID.test(checkId)) throw unknown();
    const row = await findCheckById(this.deps.db, checkId);
    if (!row || row.tenant !== owner.tenant || row.mode !== 'test') throw unknown();
    const after = await this.apply(row, request, `tenant:${owner.tenant}`);
    return { id: after.id, mode: 'test', status: after.status };
  }

  /** For the simulation page, authorised by the capture link like the capture protocol. */
  async simulateByCaptureLink(captureId: string, request: SimulationRequest): Promise<{ status: CheckStatus; redirect?: string }> {
    validate(request);
    const row = await this.testCheckOfLink(captureId);
    if (!row) throw new LivecheckError('not_found', 'this capture link does not exist');
    const after = await this.apply(row, request, 'capture');
    const redirect = after.status === 'complete' || after.status === 'failed' ? this.deps.checks.redirectFor(after) : undefined;
    return { status: after.status, ...(redirect ? { redirect } : {}) };
  }

  /** Whether a capture link belongs to a test check (which gets the simulation page, not the camera). */
  async isTestLink(captureId: string): Promise<boolean> {
    return (await this.testCheckOfLink(captureId)) !== undefined;
  }

  private async testCheckOfLink(captureId: string): Promise<CheckRow | undefined> {
    if (!CAPTURE_ID_PATTERN.test(captureId)) return undefined;
    const row = await findCheckByCaptureHash(this.deps.db, hashSecret(captureId));
    return row?.mode === 'test' ? row : undefined;
  }

  private async apply(found: CheckRow, request: SimulationRequest, actor: AuditActor): Promise<CheckRow> {
    // A link past its time expires first, as on any read: the sandbox cannot revive it.
    const row = await this.deps.checks.settleExpiry(found);
    if (row.status === 'expired') throw new LivecheckError('link_expired', 'this test check has expired; create another');
    if (row.status === 'complete' || row.status === 'failed') throw new LivecheckError('check_finished', `this test check is already ${row.status}`);
    if (row.finished_at !== null) throw new LivecheckError('check_finished', 'a capture of this test check was finished and is being analysed');
    const now = this.deps.clock.now();
    const details: AuditDetails = { outcome: request.outcome, ...(request.failure_reason ? { failure_reason: request.failure_reason } : {}) };
    switch (request.outcome) {
      case 'in_progress':
        await this.start(row, actor, details, now);
        break;
      case 'expired':
        await this.expire(row, actor, details, now);
        break;
      case 'passed':
        await this.decide(row, { passed: true }, actor, details, now);
        break;
      case 'failed':
        await this.decide(row, { passed: false, reason: request.failure_reason ?? DEFAULT_FAILURE_REASON }, actor, details, now);
        break;
    }
    const after = await findCheckById(this.deps.db, row.id);
    if (!after) throw new LivecheckError('not_found', 'the test check was erased meanwhile');
    return after;
  }

  /** As a capture start: a challenge drawn, an attempt counted. Already in progress: nothing to do. */
  private async start(row: CheckRow, actor: AuditActor, details: AuditDetails, now: number): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      if (row.status === 'pending') {
        const moved = await transitionOpenTestCheck(trx, row.id, ['pending'], {
          status: 'in_progress',
          challenge: JSON.stringify(drawChallenge()),
          attempts: row.attempts + 1,
          frame_count: 0,
          started_at: now,
        });
        if (!moved) throw changedMeanwhile();
        await recordAudit(trx, { actor: 'capture', action: 'check.start', subject: row.id, details: { attempt: row.attempts + 1 } }, now);
      }
      await recordAudit(trx, { actor, action: 'check.simulate', subject: row.id, details }, now);
    });
  }

  /** Fast-forwards the link's expiry to now; the ordinary expiry then runs (410, or capture_abandoned). */
  private async expire(row: CheckRow, actor: AuditActor, details: AuditDetails, now: number): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await transitionOpenTestCheck(trx, row.id, [row.status], { expires_at: now }))) throw changedMeanwhile();
      await recordAudit(trx, { actor, action: 'check.simulate', subject: row.id, details }, now);
    });
    const moved = await findCheckById(this.deps.db, row.id);
    if (moved) await this.deps.checks.settleExpiry(moved);
  }

  /** Stores a decision as the analysis job would: result, images, webhook event, audit, no frames. */
  private async decide(row: CheckRow, outcome: { passed: true } | { passed: false; reason: FailureReason }, actor: AuditActor, details: AuditDetails, now: number): Promise<void> {
    const options = JSON.parse(row.options) as CheckOptions;
    const decision = await simulateDecision(options, outcome, now, this.deps.box);
    await this.deps.db.transaction().execute(async (trx) => {
      const moved = await transitionOpenTestCheck(trx, row.id, ['pending', 'in_progress'], {
        status: decision.status,
        result: JSON.stringify(decision.result),
        challenge: row.challenge ?? JSON.stringify(drawChallenge()),
        attempts: Math.max(1, row.attempts),
        started_at: row.started_at ?? now,
        finished_at: now,
        completed_at: now,
        images_expire_at: decision.hasAudit ? now + this.deps.auditImageTtlSeconds * 1000 : null,
      });
      if (!moved) throw changedMeanwhile();
      await recordAudit(trx, { actor, action: 'check.simulate', subject: row.id, details }, now);
      await recordCheckEvent(trx, row, decision.status, now);
      await recordAudit(trx, { actor: 'system', action: decision.status === 'complete' ? 'check.complete' : 'check.failed', subject: row.id }, now);
      await insertImages(trx, row.id, decision.images);
      await deleteFrames(trx, row.id);
    });
  }
}

function validate(request: SimulationRequest): void {
  if (request.failure_reason !== undefined && request.outcome !== 'failed') {
    throw new LivecheckError('invalid_request', 'failure_reason goes with outcome "failed" only');
  }
}

function changedMeanwhile(): LivecheckError {
  return new LivecheckError('check_finished', 'the test check changed meanwhile; read it and try again');
}
