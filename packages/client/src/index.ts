// @livecheck/client: create liveness checks, wait for their results, verify webhooks.
export { CLIENT_VERSION, DEFAULT_WAIT, LivecheckClient } from './client.js';
export type { CreateRequestOptions, LivecheckClientOptions, PollEvent, RequestOptions, WaitOptions } from './client.js';
export {
  LivecheckApiError,
  LivecheckError,
  LivecheckNetworkError,
  LivecheckTimeoutError,
  WebhookVerificationError,
} from './errors.js';
export type { WebhookVerificationFailure } from './errors.js';
export { systemClock } from './timing.js';
export { isTerminal } from './types.js';
export type {
  AuditImage,
  BoundingBox,
  CheckMode,
  CheckResult,
  CheckStatus,
  Clock,
  CreateCheckOptions,
  CreatedCheck,
  ExpiredCheck,
  FinishedCheck,
  LivenessCheck,
  OpenCheck,
  SimulateOptions,
  SimulatedCheck,
  SimulatedOutcome,
  TerminalCheck,
} from './types.js';
export { verifyWebhook, verifyWebhookSignature } from './webhooks.js';
export type { VerifyWebhookOptions, WebhookEvent, WebhookEventType, WebhookHeaders } from './webhooks.js';
