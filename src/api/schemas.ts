// Request and response schemas: they validate input, type the handlers and make the OpenAPI document.
import { type Static, Type } from 'typebox';
import { SIMULATED_FAILURE_REASONS } from '../sandbox/outcomes.js';

const closed = { additionalProperties: false } as const;

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. invalid_token' }),
      message: Type.String({ description: 'What went wrong and what to do about it' }),
      request_id: Type.String({ description: 'Quote it when reporting a problem' }),
    }),
  },
  { $id: 'ErrorEnvelope', description: 'Every error response has this shape' },
);

export const errorRef = Type.Ref('ErrorEnvelope');

/** Live keys make live checks; test keys (`lc_test_…`) make sandbox checks, decided by simulation. */
export const Mode = Type.Union([Type.Literal('live'), Type.Literal('test')], {
  description: 'live: a real check decided by the face models; test: a sandbox check decided by POST /v1/sandbox/liveness_check/{id}/simulate or its simulation page',
});

const HttpUrl = (description: string) =>
  Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description });

export const CreateCheckBody = Type.Object(
  {
    redirect_url: Type.Optional(HttpUrl('Where the capture page sends the user when done; `lc_token` is appended. Never trust it: fetch the result.')),
    audit_images: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 0, description: 'How many intermediate frames to keep for audit' })),
    retain_image: Type.Optional(Type.Boolean({ default: true, description: 'Keep the probe frame and return it as result.image' })),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Confidence needed to pass; the service default when omitted' })),
    expires_in: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400, description: 'Seconds until the link expires (default 900)' })),
    reference: Type.Optional(Type.String({ maxLength: 128, description: 'Your own reference, echoed back' })),
    webhook_url: Type.Optional(HttpUrl('Receives signed events about this check')),
  },
  closed,
);
export type CreateCheckBody = Static<typeof CreateCheckBody>;

export const CreatedCheck = Type.Object({
  id: Type.String({ format: 'uuid' }),
  token: Type.String({ pattern: '^[A-Za-z0-9]{32}$', description: 'Secret for reading the result; keep it server-side' }),
  url: Type.String({ description: 'The capture link to give the user' }),
  status: Type.Literal('pending'),
  mode: Mode,
  expires_at: Type.String({ format: 'date-time' }),
  reference: Type.Optional(Type.String()),
});

export const BoundingBox = Type.Object(
  {
    left: Type.Number(),
    top: Type.Number(),
    width: Type.Number(),
    height: Type.Number(),
  },
  { $id: 'BoundingBox', description: 'Fractions of the frame width and height, origin top-left' },
);
const boxRef = Type.Ref('BoundingBox');

export const CheckResult = Type.Object({
  passed: Type.Boolean({ description: 'True only when status is complete and confidence ≥ threshold' }),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  threshold: Type.Number({ minimum: 0, maximum: 1 }),
  checked_at: Type.String({ format: 'date-time' }),
  bounding_box: Type.Optional(boxRef),
  image: Type.Optional(Type.String({ description: 'Probe frame, data:image/jpeg;base64,…, when retained' })),
  audit_images: Type.Optional(
    Type.Array(
      Type.Object({
        image: Type.String(),
        bounding_box: boxRef,
        captured_at: Type.String({ format: 'date-time' }),
      }),
      { description: 'Present until the audit-image retention passes (default 30 minutes after completion)' },
    ),
  ),
  failure_reason: Type.Optional(Type.String({ description: 'Why the check did not pass, e.g. step_not_done, no_face, capture_abandoned' })),
});

export const CheckOpen = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('in_progress')]),
  mode: Mode,
  expires_at: Type.String({ format: 'date-time' }),
});

export const CheckDone = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('complete'), Type.Literal('failed')]),
  mode: Mode,
  reference: Type.Optional(Type.String()),
  result: CheckResult,
});

export const CheckExpired = Type.Object({
  id: Type.String(),
  status: Type.Literal('expired'),
  mode: Mode,
});

export const TokenQuery = Type.Object(
  { token: Type.String({ maxLength: 256, description: 'Token from the create response' }) },
  closed,
);

export const CaptureParams = Type.Object({ capture_id: Type.String({ maxLength: 128 }) }, closed);

const Move = Type.Union([Type.Literal('turn_left'), Type.Literal('turn_right'), Type.Literal('look_up'), Type.Literal('look_down')]);

export const CaptureStartResponse = Type.Object({
  challenge: Type.Object({ steps: Type.Array(Move, { description: 'Moves in the subject’s own frame, done in order' }) }),
  frame: Type.Object({
    max_width: Type.Integer({ description: 'Longest side to send, pixels' }),
    interval_ms: Type.Integer({ description: 'Milliseconds between captured frames' }),
  }),
  expires_at: Type.String({ format: 'date-time' }),
  attempt: Type.Integer(),
  attempts_left: Type.Integer(),
});

export const FramesBody = Type.Object(
  {
    attempt: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'The `attempt` from start. Send it: a late batch of an earlier attempt is then refused (409 attempt_superseded) instead of being mixed into the current one',
      }),
    ),
    frames: Type.Array(
      Type.Object(
        {
          t: Type.Number({ minimum: 0, maximum: 86_400_000, description: 'Milliseconds since capture start' }),
          step: Type.Integer({ minimum: -1, maximum: 31, description: 'Index into steps, or -1 for the opening frontal phase' }),
          image: Type.String({ maxLength: 2_100_000, description: 'Raw (unmirrored) camera frame as data:image/jpeg;base64,…' }),
        },
        closed,
      ),
      { minItems: 1, maxItems: 10 },
    ),
  },
  closed,
);
export type FramesBody = Static<typeof FramesBody>;

export const FeedbackCode = Type.Union([
  Type.Literal('ok'),
  Type.Literal('no_face'),
  Type.Literal('multiple_faces'),
  Type.Literal('face_too_small'),
  Type.Literal('face_too_close'),
  Type.Literal('face_not_centered'),
  Type.Literal('too_dark'),
  Type.Literal('too_bright'),
  Type.Literal('blurred'),
  Type.Literal('pending'),
]);

export const FramesResponse = Type.Object({
  accepted: Type.Integer(),
  frames: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      t: Type.Number(),
      step: Type.Integer(),
      feedback: FeedbackCode,
      bounding_box: Type.Optional(boxRef),
      duplicate: Type.Optional(
        Type.Literal(true, { description: 'This attempt already had a frame at this t (a retried request): it was not stored again; seq and feedback are those of the first copy' }),
      ),
    }),
  ),
});

export const FinishResponse = Type.Object({
  status: Type.Union([Type.Literal('in_progress'), Type.Literal('complete'), Type.Literal('failed')]),
  redirect: Type.Optional(Type.String({ description: 'redirect_url with lc_token appended' })),
});

export const CreateKeyBody = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')], { default: 'live', description: 'test makes a sandbox key, lc_test_…' })),
  },
  closed,
);

export const CreatedKey = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  mode: Mode,
  key: Type.String({ description: 'Shown once; only a hash is stored. lc_… (live) or lc_test_… (test)' }),
});

export const KeyList = Type.Object({
  keys: Type.Array(
    Type.Object({
      id: Type.String(),
      tenant: Type.String(),
      key_hint: Type.String(),
      mode: Mode,
      created_at: Type.String({ format: 'date-time' }),
      revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  ),
});

export const KeyParams = Type.Object({ id: Type.String({ maxLength: 128 }) }, closed);
export const KeyListQuery = Type.Object({ tenant: Type.Optional(Type.String({ maxLength: 64 })) }, closed);

// The sandbox (test keys): simulated outcomes for test checks.
export const SimulateBody = Type.Object(
  {
    outcome: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('in_progress'), Type.Literal('expired')], {
      description:
        'passed: complete with passed:true. failed: the failure_reason decides the status as in the real service (refusals such as no_face end failed with confidence 0; step_not_done, wrong_direction, moved_out_of_frame, identity_changed, flat_surface end complete with passed:false). in_progress: as if the capture started. expired: the link expires now (GET answers 410; a capture in progress fails with capture_abandoned).',
    }),
    failure_reason: Type.Optional(
      Type.Union(SIMULATED_FAILURE_REASONS.map((r) => Type.Literal(r)), { description: 'With outcome failed only; default step_not_done' }),
    ),
  },
  closed,
);
export type SimulateBody = Static<typeof SimulateBody>;

export const SimulateParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'The check id from the create response' }) }, closed);

export const SimulatedCheck = Type.Object({
  id: Type.String(),
  mode: Type.Literal('test'),
  status: Type.Union([Type.Literal('pending'), Type.Literal('in_progress'), Type.Literal('complete'), Type.Literal('failed'), Type.Literal('expired')]),
});

export const CaptureSimulateResponse = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('in_progress'), Type.Literal('complete'), Type.Literal('failed'), Type.Literal('expired')]),
  redirect: Type.Optional(Type.String({ description: 'redirect_url with lc_token appended, once decided' })),
});

/** The body POSTed to webhook receivers (src/webhooks/outbox.ts), documented as a component. */
export const WebhookEvent = Type.Object(
  {
    id: Type.String({ description: 'msg_…; equals the webhook-id header, the same on every retry' }),
    type: Type.Union([Type.Literal('liveness_check.completed'), Type.Literal('liveness_check.failed'), Type.Literal('liveness_check.expired')]),
    timestamp: Type.String({ format: 'date-time' }),
    data: Type.Object({
      id: Type.String({ description: 'The check id' }),
      status: Type.Union([Type.Literal('complete'), Type.Literal('failed'), Type.Literal('expired')]),
      reference: Type.Union([Type.String(), Type.Null()]),
      mode: Mode,
    }),
  },
  {
    $id: 'WebhookEvent',
    description: 'Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). Carries no result: read it with GET /liveness_check, with a key of the same mode.',
  },
);
