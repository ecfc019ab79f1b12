import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { challengeSpace, drawChallenge } from '../../src/capture/challenge.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { newCheckToken, randomAlphanumeric } from '../../src/security/secrets.js';

describe('secrets', () => {
  it('tokens are 32 alphanumerics with no visible bias', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const token = newCheckToken();
      expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
      for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const expected = (2000 * 32) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.2);
    expect(randomAlphanumeric(5)).toHaveLength(5);
  });

  it('sealed values round-trip, name their key, and old keys still open them after rotation', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealed = new SecretBox([oldKey]).encryptText('hello');
    expect(sealed.includes(Buffer.from('hello'))).toBe(false);
    const rotated = new SecretBox([newKey, oldKey]);
    expect(rotated.decryptText(sealed)).toBe('hello');
    expect(() => new SecretBox([newKey]).decryptText(sealed)).toThrow(/unknown key/);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 1;
    expect(() => rotated.decrypt(tampered)).toThrow();
  });
});

describe('challenge', () => {
  it('draws 4 moves without immediate repeats; 108 sequences in all', () => {
    expect(challengeSpace()).toBe(108);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { steps } = drawChallenge();
      expect(steps).toHaveLength(4);
      for (let j = 1; j < steps.length; j++) expect(steps[j]).not.toBe(steps[j - 1]);
      seen.add(steps.join());
    }
    // 2000 draws over 108 equally likely sequences: all of them show up.
    expect(seen.size).toBe(108);
  });
});
