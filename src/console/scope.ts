// Tenant isolation for the console, decided here once: a tenant's session is always narrowed to its
// own tenant; only the admin may look at another tenant, or at all of them.
import { LivecheckError } from '../errors.js';
import type { AuditActor } from '../store/audit-log.js';
import type { CheckMode } from '../store/schema.js';
import type { ConsolePrincipal } from './sessions.js';

/** The tenant to filter by (undefined: all tenants, admin only). */
export function tenantScope(principal: ConsolePrincipal, requested: string | undefined): string | undefined {
  if (principal.kind === 'admin') return requested;
  if (requested !== undefined && requested !== principal.tenant) throw new LivecheckError('forbidden', 'this session can only see its own tenant');
  return principal.tenant;
}

/** Settings belong to one tenant: the admin must say which. */
export function settingsTenant(principal: ConsolePrincipal, requested: string | undefined): string {
  const tenant = tenantScope(principal, requested);
  if (tenant === undefined) throw new LivecheckError('invalid_request', 'name the tenant (query parameter "tenant")');
  return tenant;
}

/** The mode of checks to show (undefined: both, admin only): a tenant session sees its key's mode. */
export function modeScope(principal: ConsolePrincipal, requested: CheckMode | undefined): CheckMode | undefined {
  if (principal.kind === 'admin') return requested;
  if (requested !== undefined && requested !== principal.mode) throw new LivecheckError('forbidden', `this session was opened with a ${principal.mode} key and sees ${principal.mode} checks only`);
  return principal.mode;
}

/** Whether the principal may see a row of this tenant; callers answer not_found otherwise. */
export function canSee(principal: ConsolePrincipal, tenant: string): boolean {
  return principal.kind === 'admin' || principal.tenant === tenant;
}

/** Whether the principal may see this check: its tenant and, for a tenant session, its key's mode. */
export function canSeeCheck(principal: ConsolePrincipal, check: { tenant: string; mode: CheckMode }): boolean {
  return principal.kind === 'admin' || (principal.tenant === check.tenant && principal.mode === check.mode);
}

/** Who the audit log names for a change made in this session: as the API names the same principal. */
export function auditActor(principal: ConsolePrincipal): AuditActor {
  return principal.kind === 'admin' ? 'admin' : `tenant:${principal.tenant}`;
}

/**
 * Settings, webhook endpoints and live keys apply to live checks: a session opened with a test key
 * must not change them, or the sandbox would be a way to weaken live decisions (a default threshold
 * of 0) or to read live events.
 */
export function assertMayChangeLive(principal: ConsolePrincipal): void {
  if (principal.kind === 'tenant' && principal.mode === 'test') {
    throw new LivecheckError('forbidden', 'a session opened with a test key cannot change what applies to live checks; sign in with a live key');
  }
}

/** The key mode a session manages: its own for a tenant session, every mode for the admin. */
export function keyModeScope(principal: ConsolePrincipal): CheckMode | undefined {
  return principal.kind === 'tenant' ? principal.mode : undefined;
}
