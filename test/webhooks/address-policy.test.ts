// Which addresses webhooks may reach: public unicast only, whatever form the address is written in.
import { describe, expect, it } from 'vitest';
import { embeddedIpv4, forbiddenHostReason, forbiddenReason } from '../../src/webhooks/address-policy.js';
import { nextAttemptAt, RETRY_DELAYS_MS, MAX_ATTEMPTS } from '../../src/webhooks/schedule.js';
import { newWebhookSecret, rotateSecrets, signingSecrets } from '../../src/webhooks/signing-secrets.js';

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:127.0.0.1', 'loopback, embedded'],
    ['::ffff:7f00:1', 'loopback, embedded'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a00:1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:c0a8:101::1', 'private'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(forbiddenReason(address)).toContain(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'allows the public address %s',
    (address) => {
      expect(forbiddenReason(address)).toBeUndefined();
    },
  );

  it('reads IPv4 addresses embedded in IPv6 forms', () => {
    expect(embeddedIpv4('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(embeddedIpv4('::ffff:a01:203')).toBe('10.1.2.3');
    expect(embeddedIpv4('64:ff9b::a01:203')).toBe('10.1.2.3');
    expect(embeddedIpv4('2002:a01:203::')).toBe('10.1.2.3');
    expect(embeddedIpv4('2606:4700::1')).toBeUndefined();
    expect(forbiddenReason('example.com')).toBe('not an IP address');
  });
});

describe('host policy at creation (before any DNS lookup)', () => {
  // Hosts as URL.hostname gives them: the URL parser has already normalised 2130706433 and 0x7f.1.
  it.each([
    ['127.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback, embedded'],
    ['169.254.169.254', 'link-local'],
    ['10.1.2.3', 'private'],
    ['localhost', 'localhost'],
    ['LOCALHOST', 'localhost'],
    ['localhost.', 'localhost'],
    ['api.localhost', 'localhost'],
    ['a.b.localhost.', 'localhost'],
  ])('refuses %s (%s)', (host, reason) => {
    expect(forbiddenHostReason(host)).toContain(reason);
  });

  it.each(['hooks.example.com', '93.184.215.14', '[2606:4700:4700::1111]', 'localhost.example.com', 'mylocalhost', 'localhostx'])('leaves %s to the check after resolution', (host) => {
    expect(forbiddenHostReason(host)).toBeUndefined();
  });
});

describe('retry schedule', () => {
  it('spreads 11 attempts over about a day, with ±20% jitter', () => {
    expect(MAX_ATTEMPTS).toBe(11);
    const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(total).toBeGreaterThan(23);
    expect(total).toBeLessThan(25);
    expect(nextAttemptAt(1, 0, () => 0)).toBe(4_000);
    expect(nextAttemptAt(1, 0, () => 1)).toBe(6_000);
    expect(nextAttemptAt(2, 1000, () => 0.5)).toBe(31_000);
    expect(nextAttemptAt(10, 0, () => 0.5)).toBe(8 * 3_600_000);
    expect(nextAttemptAt(11, 0)).toBeUndefined();
  });
});

describe('signing secrets', () => {
  it('keeps replaced secrets for 24 h at most, even across several rotations', () => {
    const first = newWebhookSecret();
    let secrets = [{ secret: first, expires_at: null as number | null }];
    const one = rotateSecrets(secrets, 1_000);
    secrets = one.secrets;
    expect(signingSecrets(secrets, 1_000)).toEqual([one.secret, first]);
    const two = rotateSecrets(secrets, 2_000);
    expect(signingSecrets(two.secrets, 2_000)).toEqual([two.secret, one.secret, first]);
    // The first secret keeps its original deadline; it is not extended by the second rotation.
    expect(signingSecrets(two.secrets, 1_000 + 86_400_000)).toEqual([two.secret, one.secret]);
    expect(signingSecrets(two.secrets, 2_000 + 86_400_000)).toEqual([two.secret]);
  });
});
