// The backend's settings, read once from the environment; a missing or bad value stops it with a
// message naming the variable.
import type { ReferenceBackendOptions } from './backend.js';

export interface BackendConfig {
  port: number;
  host: string;
  backend: ReferenceBackendOptions;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readBackendConfig(env: Record<string, string | undefined>): BackendConfig {
  const problems: string[] = [];
  const required = (name: string, check: (value: string) => boolean, expected: string): string => {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name} is required (${expected})`);
    else if (!check(value)) problems.push(`${name} must be ${expected}`);
    return value ?? '';
  };
  const httpUrl = (value: string) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);

  const port = Number(env.PORT ?? '4000');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push('PORT must be a port number');
  const host = env.HOST ?? '127.0.0.1';
  const livecheckUrl = required('LIVECHECK_URL', httpUrl, "livecheck's base URL, e.g. http://127.0.0.1:3000");
  const apiKey = required('LIVECHECK_API_KEY', (v) => v.startsWith('lc_'), 'a tenant API key, lc_…');
  const webhookSecret = required('LIVECHECK_WEBHOOK_SECRET', (v) => v.startsWith('whsec_'), "the tenant's per-check webhook secret, whsec_…");
  // 127.0.0.1 rather than localhost, which may resolve to ::1 where nothing listens.
  const publicUrl = env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
  if (!httpUrl(publicUrl) || new URL(publicUrl).pathname !== '/') problems.push('PUBLIC_URL must be an http(s) origin without a path');

  if (problems.length > 0) throw new ConfigError(`reference backend: ${problems.join('; ')}`);
  return { port, host, backend: { livecheckUrl, apiKey, webhookSecret, publicUrl } };
}
