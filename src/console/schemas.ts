// Request and response schemas of the console's JSON API (/console/api/…): validation, types and
// the OpenAPI document. Query strings are not coerced, so numbers are checked as digits.
import { type TSchema, Type } from 'typebox';

const closed = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Tenant = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Status = Type.Union(['pending', 'in_progress', 'complete', 'failed', 'expired'].map((s) => Type.Literal(s)));

export const SignInBody = Type.Object({ key: Type.String({ minLength: 1, maxLength: 256, description: 'A tenant API key (lc_…) or the admin key' }) }, closed);

export const SessionView = Type.Object({
  principal: Type.Union([Type.Literal('admin'), Type.Literal('tenant')]),
  tenant: Nullable(Type.String()),
  csrf_token: Type.String({ description: 'Send as X-CSRF-Token on every change' }),
});

export const CheckSummary = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  mode: Type.Union([Type.Literal('live'), Type.Literal('test')]),
  status: Status,
  passed: Nullable(Type.Boolean()),
  confidence: Nullable(Type.Number()),
  threshold: Type.Number(),
  reference: Nullable(Type.String()),
  created_at: Timestamp,
  started_at: Nullable(Timestamp),
  finished_at: Nullable(Timestamp),
  completed_at: Nullable(Timestamp),
  expires_at: Timestamp,
  failure_reason: Nullable(Type.String()),
  failure_explanation: Nullable(Type.String()),
});

export const CheckListQuery = Type.Object(
  {
    tenant: Type.Optional(Tenant),
    mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')])),
    status: Type.Optional(Type.String({ pattern: '^(pending|in_progress|complete|failed|expired)(,(pending|in_progress|complete|failed|expired)){0,4}$', description: 'Comma-separated statuses' })),
    outcome: Type.Optional(Type.Union([Type.Literal('passed'), Type.Literal('not_passed')])),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before' })),
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'A check id, or the start of a reference' })),
    cursor: Type.Optional(Type.String({ maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' })),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|100)$', description: '1–100, default 25' })),
  },
  closed,
);

export const CheckPage = Type.Object({ checks: Type.Array(CheckSummary), next_cursor: Nullable(Type.String()) });

export const UpdatesQuery = Type.Object(
  { ids: Type.String({ minLength: 1, maxLength: 100 * 40, pattern: '^[A-Za-z0-9-]+(,[A-Za-z0-9-]+){0,99}$', description: 'Comma-separated check ids' }) },
  closed,
);
export const CheckUpdates = Type.Object({ checks: Type.Array(CheckSummary) });

export const CheckParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, closed);

const Box = Type.Object({ left: Type.Number(), top: Type.Number(), width: Type.Number(), height: Type.Number() });

export const Delivery = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  check_id: Type.String(),
  endpoint_id: Nullable(Type.String()),
  url: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  last_attempt_at: Nullable(Timestamp),
  next_attempt_at: Nullable(Timestamp),
  delivered_at: Nullable(Timestamp),
  created_at: Timestamp,
});

export const CaseFile = Type.Object({
  check: CheckSummary,
  options: Type.Object({
    threshold: Type.Number(),
    audit_images: Type.Integer(),
    retain_image: Type.Boolean(),
    redirect_url: Nullable(Type.String()),
    webhook_url: Nullable(Type.String()),
  }),
  attempts: Type.Integer(),
  frame_count: Type.Integer(),
  steps: Type.Array(
    Type.Object({
      index: Type.Integer(),
      move: Type.String(),
      done: Nullable(Type.Boolean()),
      peak_angle: Nullable(Type.Number({ description: 'Degrees toward the asked direction' })),
      started_ms: Nullable(Type.Number()),
      peak_ms: Nullable(Type.Number()),
    }),
  ),
  signals: Nullable(
    Type.Object({
      identity_similarity: Type.Number({ description: 'Lowest similarity of any frame to the probe, turned frames rescaled for pose' }),
      identity_min: Type.Number({ description: 'Below this the check failed as identity_changed: the bar it was decided against' }),
      identity_turned_min: Type.Number({ description: 'The raw similarity of a turned frame that counted as identity_min' }),
      parallax: Type.Number(),
      parallax_flat_below: Type.Number(),
      passive_real: Type.Number(),
      passive_live: Type.Number(),
    }),
  ),
  bounding_box: Nullable(Box),
  images: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('probe'), Type.Literal('audit')]),
      position: Type.Integer(),
      image: Type.String({ description: 'data:image/jpeg;base64,…' }),
      bounding_box: Box,
      captured_at: Timestamp,
    }),
  ),
  audit_images_expire_at: Nullable(Timestamp),
  probe_image_expires_at: Nullable(Timestamp),
  case_expires_at: Timestamp,
  timeline: Type.Array(Type.Object({ at: Timestamp, actor: Type.String(), action: Type.String(), details: Type.Record(Type.String(), Type.Unknown()) })),
  webhook_deliveries: Type.Array(Delivery),
  server_time: Timestamp,
});

export const OverviewQuery = Type.Object(
  { tenant: Type.Optional(Tenant), mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')])), days: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-8][0-9]|90)$', description: '1–90, default 14' })) },
  closed,
);

export const Overview = Type.Object({
  from: Timestamp,
  to: Timestamp,
  total: Type.Integer(),
  decided: Type.Integer(),
  passed: Type.Integer(),
  pass_rate: Nullable(Type.Number()),
  days: Type.Array(Type.Object({ date: Type.String(), passed: Type.Integer(), not_passed: Type.Integer(), expired: Type.Integer(), open: Type.Integer() })),
  failure_reasons: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer(), explanation: Type.String() })),
  latency_ms: Type.Object({ count: Type.Integer(), p50: Nullable(Type.Number()), p90: Nullable(Type.Number()), p99: Nullable(Type.Number()) }),
  truncated: Type.Boolean(),
});

export const TenantList = Type.Object({ tenants: Type.Array(Type.String()) });

export const TenantQuery = Type.Object({ tenant: Type.Optional(Tenant) }, closed);
export const TenantLimitQuery = Type.Object(
  { tenant: Type.Optional(Tenant), limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9]{2}|200)$', description: '1–200, default 50' })) },
  closed,
);
export const LimitQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9]{2}|200)$' })) }, closed);

const KeyMode = Type.Union([Type.Literal('live'), Type.Literal('test')]);
export const ApiKeyInfo = Type.Object({ id: Type.String(), tenant: Type.String(), key_hint: Type.String(), mode: KeyMode, created_at: Timestamp, revoked_at: Nullable(Timestamp) });
export const ApiKeyList = Type.Object({ keys: Type.Array(ApiKeyInfo) });
export const CreatedApiKey = Type.Object({ id: Type.String(), tenant: Type.String(), mode: KeyMode, key: Type.String({ description: 'Shown once' }) });

export const Endpoint = Type.Object({ id: Type.String(), tenant: Type.String(), url: Type.String(), created_at: Timestamp });
export const EndpointList = Type.Object({ endpoints: Type.Array(Endpoint) });
export const CreateEndpointBody = Type.Object({ url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }) }, closed);
export const CreatedEndpoint = Type.Object({ id: Type.String(), tenant: Type.String(), url: Type.String(), created_at: Timestamp, secret: Type.String({ description: 'Shown once' }) });
export const DeliveryList = Type.Object({ deliveries: Type.Array(Delivery) });
export const TenantSettingsView = Type.Object({
  tenant: Type.String(),
  display_name: Nullable(Type.String()),
  accent_color: Nullable(Type.String()),
  accent_applied: Nullable(Type.Object({ light: Type.String(), dark: Type.String() })),
  logo: Nullable(Type.String()),
  frame_ancestors: Type.Array(Type.String()),
  default_threshold: Nullable(Type.Number()),
  updated_at: Nullable(Timestamp),
});
export const BrandingBody = Type.Object(
  {
    display_name: Nullable(Type.String({ maxLength: 80 })),
    accent_color: Nullable(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' })),
    default_threshold: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  },
  closed,
);
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }, closed);
