// Tenant names: what keys, settings, webhooks and erasure all accept.
import { LivecheckError } from '../errors.js';

export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function assertTenantName(tenant: string): void {
  if (!TENANT_PATTERN.test(tenant)) {
    throw new LivecheckError('invalid_request', 'tenant must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
}
