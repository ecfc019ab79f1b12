import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, defaultThreshold: 0.5, defaultExpiresInSeconds: 900, auditImageTtlSeconds: 1800 });
    expect(config.dataDir).toMatch(/data$/);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'nope' }, 'LIVECHECK_PUBLIC_URL'],
    [{ LIVECHECK_ADMIN_KEY: 'short' }, 'LIVECHECK_ADMIN_KEY'],
    [{ LIVECHECK_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'LIVECHECK_ENCRYPTION_KEY'],
    [{ LIVECHECK_DEFAULT_THRESHOLD: '1.5' }, 'LIVECHECK_DEFAULT_THRESHOLD'],
    [{ LIVECHECK_DEFAULT_EXPIRES_IN: '30' }, 'LIVECHECK_DEFAULT_EXPIRES_IN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('rejects %j naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('strips a trailing slash from the public URL', () => {
    expect(loadConfig({ LIVECHECK_PUBLIC_URL: 'https://verify.example.com/' }).publicUrl).toBe('https://verify.example.com');
  });
});
