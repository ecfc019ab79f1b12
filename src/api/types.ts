import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { LivenessChecks } from '../checks/service.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { AuditLogReader } from '../store/audit-log.js';
import type { ApiKeys, TenantPrincipal } from '../tenancy/api-keys.js';
import type { TenantErasure } from '../tenancy/tenant-erasure.js';
import type { TenantSettings } from '../tenancy/tenant-settings.js';
import type { Webhooks } from '../webhooks/webhooks.js';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiDeps {
  checks: LivenessChecks;
  keys: ApiKeys;
  audit: AuditLogReader;
  webhooks: Webhooks;
  /** Simulated outcomes for test checks. */
  sandbox: Sandbox;
  tenantSettings: TenantSettings;
  tenantErasure: TenantErasure;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant?: TenantPrincipal;
  }
}
