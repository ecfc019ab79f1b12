// AES-256-GCM for what is kept at rest but must be read back (the check token for the redirect,
// images). Each ciphertext names its key, so keys can rotate while old data stays readable.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const VERSION = 1;
const HEADER = 1 + 4 + 12; // version, key id, IV
const TAG = 16;

function keyId(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, 4);
}

export class SecretBox {
  private readonly current: { id: Buffer; key: Buffer };
  private readonly byId = new Map<string, Buffer>();

  /** `keys[0]` encrypts; every key decrypts. */
  constructor(keys: Buffer[]) {
    const first = keys[0];
    if (!first) throw new Error('SecretBox needs at least one key');
    for (const key of keys) {
      if (key.length !== 32) throw new Error('encryption keys must be 32 bytes');
      this.byId.set(keyId(key).toString('hex'), key);
    }
    this.current = { id: keyId(first), key: first };
  }

  /** The 4-byte id that every value sealed from now on carries after its version byte. */
  currentKeyId(): Buffer {
    return Buffer.from(this.current.id);
  }

  encrypt(plain: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), this.current.id, iv, body, cipher.getAuthTag()]);
  }

  decrypt(sealed: Buffer): Buffer {
    if (sealed.length < HEADER + TAG || sealed[0] !== VERSION) throw new Error('not a sealed value');
    const key = this.byId.get(sealed.subarray(1, 5).toString('hex'));
    if (!key) throw new Error('sealed with an unknown key; configure the old key to read it');
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(5, HEADER));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([decipher.update(sealed.subarray(HEADER, sealed.length - TAG)), decipher.final()]);
  }

  encryptText(text: string): Buffer {
    return this.encrypt(Buffer.from(text, 'utf8'));
  }

  decryptText(sealed: Buffer): string {
    return this.decrypt(sealed).toString('utf8');
  }
}

/**
 * The configured key (base64), or one generated into the data directory with mode 0600.
 * `generated` tells the caller to warn: a generated key must be backed up with the data.
 */
export function loadOrCreateKey(configured: string | undefined, dataDir: string): { key: Buffer; generated: boolean } {
  if (configured) return { key: Buffer.from(configured, 'base64'), generated: false };
  const file = path.join(dataDir, 'encryption.key');
  if (existsSync(file)) return { key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), generated: false };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, generated: true };
}
