// Table types of the store, shared by the SQLite and PostgreSQL dialects.
// Times are epoch milliseconds (bigint in PostgreSQL, read back as numbers); JSON is kept as text.
import type { Insertable, Selectable, Updateable } from 'kysely';

export type CheckStatus = 'pending' | 'in_progress' | 'complete' | 'failed' | 'expired';

/** Live keys make real checks; test keys make sandbox checks, decided by simulation (0004). */
export type CheckMode = 'live' | 'test';

export interface ApiKeysTable {
  id: string;
  tenant: string;
  key_hash: string;
  /** Last four characters, so an operator can tell keys apart without the secret. */
  key_hint: string;
  /** Which checks the key makes and may see. */
  mode: CheckMode;
  created_at: number;
  revoked_at: number | null;
}

export interface AdminKeysTable {
  id: string;
  key_hash: string;
  created_at: number;
}

export interface LivenessChecksTable {
  id: string;
  tenant: string;
  api_key_id: string;
  /** The mode of the key that created it; readable only by keys of the same mode. */
  mode: CheckMode;
  token_hash: string;
  capture_hash: string;
  /** The token, sealed, because the redirect must show it again. */
  token_sealed: Buffer;
  status: CheckStatus;
  /** JSON: CheckOptions. */
  options: string;
  reference: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  /** JSON: Challenge, drawn at capture start. */
  challenge: string | null;
  attempts: number;
  frame_count: number;
  /** JSON: StoredResult, without images. */
  result: string | null;
  created_at: number;
  expires_at: number;
  started_at: number | null;
  finished_at: number | null;
  completed_at: number | null;
  images_expire_at: number | null;
}

export interface CaptureFramesTable {
  check_id: string;
  seq: number;
  /** Which capture attempt the frame belongs to; frames of earlier attempts are deleted on restart. */
  attempt: number;
  t: number;
  step: number;
  image_sealed: Buffer;
  /** JSON of the FrameObservation, sealed (it holds a face embedding), once the models have seen the frame. */
  observation_sealed: Buffer | null;
  received_at: number;
}

export interface CheckImagesTable {
  check_id: string;
  kind: 'probe' | 'audit';
  position: number;
  image_sealed: Buffer;
  /** JSON: BoundingBox. */
  bounding_box: string;
  captured_at: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  check_id: string;
  run_at: number;
  locked_until: number | null;
  locked_by: string | null;
  attempts: number;
  last_error: string | null;
  created_at: number;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant: string;
  url: string;
  /** Sealed JSON: SigningSecret[] (src/webhooks/signing-secrets.ts), newest first. */
  secrets_sealed: Buffer;
  created_at: number;
  /** Set when deleted: the row stays for the delivery log. */
  disabled_at: number | null;
}

/** Signs deliveries to checks' own webhook_url; one per tenant, created on first use. */
export interface TenantWebhookSecretsTable {
  tenant: string;
  secrets_sealed: Buffer;
  created_at: number;
  rotated_at: number | null;
}

export interface WebhookEventsTable {
  id: string;
  tenant: string;
  check_id: string;
  type: string;
  /** JSON body sent to receivers: ids, status and reference, never images. */
  payload: string;
  created_at: number;
  dispatched_at: number | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** One event to one target: the delivery log entry and, while pending, a leased retry-queue item. */
export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  tenant: string;
  /** The endpoint id, or 'check_url' for the check's own webhook_url. */
  target: string;
  endpoint_id: string | null;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When the next attempt is due; null once delivered, failed or cancelled. */
  next_attempt_at: number | null;
  locked_until: number | null;
  locked_by: string | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

/** Who did what to which id, for accountability; no images, secrets or references (0003). */
export interface AuditLogTable {
  id: string;
  at: number;
  /** admin | tenant:<name> | capture | system */
  actor: string;
  action: string;
  subject: string | null;
  /** JSON object. */
  details: string;
}

/** A review-console sign-in (0007); the cookie holds the secret, the table its digest. */
export interface ConsoleSessionsTable {
  id_hash: string;
  principal: 'admin' | 'tenant';
  tenant: string | null;
  /** The tenant's API key id, or the admin key's digest. */
  credential: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** How a tenant's capture page looks and who may frame it (0005). */
export interface TenantSettingsTable {
  tenant: string;
  display_name: string | null;
  /** #rrggbb as given; the page derives readable variants. */
  accent_color: string | null;
  /** Hex SHA-256 of logo_png, which names the logo's URL. */
  logo_hash: string | null;
  /** Re-encoded PNG: nothing of the uploaded file but its pixels. */
  logo_png: Buffer | null;
  /** JSON array of https origins. */
  frame_ancestors: string;
  default_threshold: number | null;
  updated_at: number;
}

/** One row ('store'): a known value sealed with the key the store's data is sealed with (key-canary.ts). */
export interface EncryptionCanaryTable {
  id: string;
  sealed: Buffer;
  created_at: number;
}

export interface Database {
  api_keys: ApiKeysTable;
  admin_keys: AdminKeysTable;
  liveness_checks: LivenessChecksTable;
  capture_frames: CaptureFramesTable;
  check_images: CheckImagesTable;
  jobs: JobsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  tenant_webhook_secrets: TenantWebhookSecretsTable;
  audit_log: AuditLogTable;
  tenant_settings: TenantSettingsTable;
  console_sessions: ConsoleSessionsTable;
  encryption_canary: EncryptionCanaryTable;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type CheckRow = Selectable<LivenessChecksTable>;
export type NewCheckRow = Insertable<LivenessChecksTable>;
export type CheckUpdate = Updateable<LivenessChecksTable>;
export type FrameRow = Selectable<CaptureFramesTable>;
export type JobRow = Selectable<JobsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
