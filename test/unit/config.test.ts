import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, defaultThreshold: 0.5, defaultExpiresInSeconds: 900, auditImageTtlSeconds: 1800, captureAttempts: 3 });
    expect(config.dataDir).toMatch(/data$/);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'nope' }, 'LIVECHECK_PUBLIC_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'ftp://verify.example.com' }, 'LIVECHECK_PUBLIC_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'javascript:alert(1)' }, 'LIVECHECK_PUBLIC_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'https://verify.example.com/?tenant=acme' }, 'LIVECHECK_PUBLIC_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'https://verify.example.com/liveness?' }, 'LIVECHECK_PUBLIC_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'https://verify.example.com/#/app' }, 'LIVECHECK_PUBLIC_URL'],
    [{ LIVECHECK_PUBLIC_URL: 'https://user:secret@verify.example.com' }, 'LIVECHECK_PUBLIC_URL'],
    [{ HOST: 'http://0.0.0.0' }, 'HOST'],
    [{ HOST: '0.0.0.0:3000' }, 'HOST'],
    [{ HOST: 'localhost/path' }, 'HOST'],
    [{ HOST: '[::1]' }, 'HOST'],
    [{ HOST: '256.1.1.1' }, 'HOST'],
    [{ HOST: 'my_host' }, 'HOST'],
    [{ HOST: '-bad.example.com' }, 'HOST'],
    [{ HOST: 'a..b' }, 'HOST'],
    [{ HOST: ' 127.0.0.1' }, 'HOST'],
    [{ HOST: `${'a'.repeat(64)}.example.com` }, 'HOST'],
    [{ LIVECHECK_ADMIN_KEY: 'short' }, 'LIVECHECK_ADMIN_KEY'],
    [{ LIVECHECK_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'LIVECHECK_ENCRYPTION_KEY'],
    [{ LIVECHECK_DEFAULT_THRESHOLD: '1.5' }, 'LIVECHECK_DEFAULT_THRESHOLD'],
    [{ LIVECHECK_DEFAULT_EXPIRES_IN: '30' }, 'LIVECHECK_DEFAULT_EXPIRES_IN'],
    [{ LIVECHECK_CAPTURE_ATTEMPTS: '0' }, 'LIVECHECK_CAPTURE_ATTEMPTS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ LIVECHECK_WEBHOOK_LOG_TTL: '10' }, 'LIVECHECK_WEBHOOK_LOG_TTL'],
    [{ LIVECHECK_AUDIT_LOG_TTL: '3600' }, 'LIVECHECK_AUDIT_LOG_TTL'],
    [{ LIVECHECK_TRUST_PROXY: 'yes' }, 'LIVECHECK_TRUST_PROXY'],
    [{ LIVECHECK_TRUST_PROXY: '10.0.0.0/33' }, 'LIVECHECK_TRUST_PROXY'],
    [{ LIVECHECK_TRUST_PROXY: '10.0.0.1,proxy.internal' }, 'LIVECHECK_TRUST_PROXY'],
    [{ LIVECHECK_TRUST_PROXY: '::1/129' }, 'LIVECHECK_TRUST_PROXY'],
    [{ LIVECHECK_TRUST_PROXY: '10.0.0.0/8/1' }, 'LIVECHECK_TRUST_PROXY'],
    [{ LIVECHECK_TRUST_PROXY: '-1' }, 'LIVECHECK_TRUST_PROXY'],
    [{ LIVECHECK_TRUST_PROXY: '101' }, 'LIVECHECK_TRUST_PROXY'],
    [{ LIVECHECK_TRUST_PROXY: ',' }, 'LIVECHECK_TRUST_PROXY'],
  ])('rejects %j naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('reads LIVECHECK_TRUST_PROXY as off, all hops, a hop count or a list of proxies', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ LIVECHECK_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ LIVECHECK_TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ LIVECHECK_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ LIVECHECK_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ LIVECHECK_TRUST_PROXY: ' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1,loopback' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', 'loopback']);
  });

  it('keeps webhook deliveries 30 days and audit entries a year by default', () => {
    expect(loadConfig({})).toMatchObject({ webhookLogTtlSeconds: 30 * 86_400, auditLogTtlSeconds: 365 * 86_400 });
  });

  it('strips a trailing slash from the public URL', () => {
    expect(loadConfig({ LIVECHECK_PUBLIC_URL: 'https://verify.example.com/' }).publicUrl).toBe('https://verify.example.com');
    expect(loadConfig({ LIVECHECK_PUBLIC_URL: 'https://example.com/liveness/' }).publicUrl).toBe('https://example.com/liveness');
    expect(loadConfig({ LIVECHECK_PUBLIC_URL: 'http://10.0.0.5:8080' }).publicUrl).toBe('http://10.0.0.5:8080');
  });

  it('says why a public URL with a query string or fragment is refused, without echoing credentials', () => {
    expect(() => loadConfig({ LIVECHECK_PUBLIC_URL: 'https://verify.example.com/?a=b' })).toThrow(/query string .* fragment/);
    expect(() => loadConfig({ LIVECHECK_PUBLIC_URL: 'ftp://verify.example.com' })).toThrow(/http: or https:/);
    expect(() => loadConfig({ LIVECHECK_PUBLIC_URL: 'https://user:secret@verify.example.com/?a' })).toThrow(/user name or password/);
    expect(() => loadConfig({ LIVECHECK_PUBLIC_URL: 'https://user:secret@verify.example.com/?a' })).not.toThrow(/secret@/);
  });

  it.each(['127.0.0.1', '0.0.0.0', '::', '::1', 'fd00::5', 'localhost', 'livecheck', 'api-1.internal.example.com', 'host.example.com.'])(
    'accepts HOST=%s',
    (host) => {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    },
  );

  it('says what HOST should look like, with a hint for a bracketed IPv6 address', () => {
    expect(() => loadConfig({ HOST: 'http://0.0.0.0' })).toThrow(/HOST="http:\/\/0\.0\.0\.0" is invalid: expected the address to listen on/);
    expect(() => loadConfig({ HOST: '[::1]' })).toThrow(/without brackets: ::1/);
  });
});
