// Translation between the HTTP API's JSON (snake_case, see the service's /openapi.json) and the
// SDK's types. An answer of the wrong shape is an error here, not an `undefined` later.
import { LivecheckApiError } from './errors.js';
import type { AuditImage, BoundingBox, CheckMode, CheckResult, CheckStatus, CreateCheckOptions, CreatedCheck, ExpiredCheck, FinishedCheck, SimulatedCheck } from './types.js';

type Json = Record<string, unknown>;

export function createBody(options: CreateCheckOptions): Json {
  const body: Json = {
    redirect_url: options.redirectUrl,
    audit_images: options.auditImages,
    retain_image: options.retainImage,
    threshold: options.threshold,
    expires_in: options.expiresIn,
    reference: options.reference,
    webhook_url: options.webhookUrl,
  };
  // The API rejects unknown fields but not absent ones: leave out what was not given.
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

class ShapeError extends Error {}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(`${path} is not an object`);
  return value as Json;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ShapeError(`${path} is not a string`);
  return value;
}

function number(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ShapeError(`${path} is not a number`);
  return value;
}

function mode(value: unknown): CheckMode {
  if (value !== 'live' && value !== 'test') throw new ShapeError(`mode ${JSON.stringify(value)} is not live or test`);
  return value;
}

function optional<T>(value: unknown, read: (v: unknown) => T): T | undefined {
  return value === undefined || value === null ? undefined : read(value);
}

function box(value: unknown, path: string): BoundingBox {
  const o = object(value, path);
  return {
    left: number(o.left, `${path}.left`),
    top: number(o.top, `${path}.top`),
    width: number(o.width, `${path}.width`),
    height: number(o.height, `${path}.height`),
  };
}

function result(value: unknown): CheckResult {
  const o = object(value, 'result');
  if (typeof o.passed !== 'boolean') throw new ShapeError('result.passed is not a boolean');
  const out: CheckResult = {
    passed: o.passed,
    confidence: number(o.confidence, 'result.confidence'),
    threshold: number(o.threshold, 'result.threshold'),
    checkedAt: string(o.checked_at, 'result.checked_at'),
  };
  const boundingBox = optional(o.bounding_box, (v) => box(v, 'result.bounding_box'));
  if (boundingBox) out.boundingBox = boundingBox;
  const image = optional(o.image, (v) => string(v, 'result.image'));
  if (image !== undefined) out.image = image;
  if (Array.isArray(o.audit_images)) {
    out.auditImages = o.audit_images.map((item: unknown, i): AuditImage => {
      const a = object(item, `result.audit_images[${i}]`);
      return {
        image: string(a.image, `result.audit_images[${i}].image`),
        boundingBox: box(a.bounding_box, `result.audit_images[${i}].bounding_box`),
        capturedAt: string(a.captured_at, `result.audit_images[${i}].captured_at`),
      };
    });
  }
  const failureReason = optional(o.failure_reason, (v) => string(v, 'result.failure_reason'));
  if (failureReason !== undefined) out.failureReason = failureReason;
  return out;
}

function guard<T>(status: number, requestId: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new LivecheckApiError(status, 'unexpected_response', `unexpected answer from the service (HTTP ${status}): ${error.message}`, requestId);
  }
}

export function readCreated(json: unknown, status: number, requestId: string | undefined): CreatedCheck {
  return guard(status, requestId, () => {
    const o = object(json, 'body');
    if (o.status !== 'pending') throw new ShapeError('status is not "pending"');
    const created: CreatedCheck = {
      id: string(o.id, 'id'),
      mode: mode(o.mode),
      token: string(o.token, 'token'),
      url: string(o.url, 'url'),
      status: 'pending',
      expiresAt: string(o.expires_at, 'expires_at'),
    };
    const reference = optional(o.reference, (v) => string(v, 'reference'));
    if (reference !== undefined) created.reference = reference;
    return created;
  });
}

export function readOpen(json: unknown, status: number, requestId: string | undefined): { id: string; mode: CheckMode; status: 'pending' | 'in_progress'; expiresAt: string } {
  return guard(status, requestId, () => {
    const o = object(json, 'body');
    if (o.status !== 'pending' && o.status !== 'in_progress') throw new ShapeError(`status ${JSON.stringify(o.status)} is not pending or in_progress`);
    return { id: string(o.id, 'id'), mode: mode(o.mode), status: o.status, expiresAt: string(o.expires_at, 'expires_at') };
  });
}

export function readFinished(json: unknown, status: number, requestId: string | undefined): FinishedCheck {
  return guard(status, requestId, () => {
    const o = object(json, 'body');
    if (o.status !== 'complete' && o.status !== 'failed') throw new ShapeError(`status ${JSON.stringify(o.status)} is not complete or failed`);
    const finished: FinishedCheck = { id: string(o.id, 'id'), mode: mode(o.mode), status: o.status, result: result(o.result) };
    const reference = optional(o.reference, (v) => string(v, 'reference'));
    if (reference !== undefined) finished.reference = reference;
    return finished;
  });
}

export function readExpired(json: unknown, status: number, requestId: string | undefined): ExpiredCheck {
  return guard(status, requestId, () => {
    const o = object(json, 'body');
    if (o.status !== 'expired') throw new ShapeError(`status ${JSON.stringify(o.status)} is not expired`);
    return { id: string(o.id, 'id'), mode: mode(o.mode), status: 'expired' };
  });
}

const STATUSES: readonly CheckStatus[] = ['pending', 'in_progress', 'complete', 'failed', 'expired'];

export function readSimulated(json: unknown, status: number, requestId: string | undefined): SimulatedCheck {
  return guard(status, requestId, () => {
    const o = object(json, 'body');
    if (o.mode !== 'test') throw new ShapeError('mode is not "test"');
    const state = STATUSES.find((s) => s === o.status);
    if (!state) throw new ShapeError(`status ${JSON.stringify(o.status)} is not a check status`);
    return { id: string(o.id, 'id'), mode: 'test', status: state };
  });
}

/** The error envelope `{error:{code,message,request_id}}`, or a generic error when the body is something else. */
export function readError(json: unknown, status: number, headerRequestId: string | undefined, retryAfterMs?: number): LivecheckApiError {
  const envelope = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
  if (typeof envelope === 'object' && envelope !== null) {
    const e = envelope as { code?: unknown; message?: unknown; request_id?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      const requestId = typeof e.request_id === 'string' ? e.request_id : headerRequestId;
      return new LivecheckApiError(status, e.code, e.message, requestId, retryAfterMs);
    }
  }
  return new LivecheckApiError(status, 'unexpected_response', `HTTP ${status} without a livecheck error body`, headerRequestId, retryAfterMs);
}
