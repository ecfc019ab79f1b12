// GET/PUT /admin/tenants/{tenant}/settings over HTTP on both stores: branding, framing origins and
// the default threshold; the logo re-encoded and served by hash; validation; the audit trail.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastRatio } from '../../src/tenancy/accent-colour.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';

interface Settings {
  tenant: string;
  display_name: string | null;
  accent_color: string | null;
  accent_applied: { light: string; dark: string } | null;
  logo: string | null;
  frame_ancestors: string[];
  default_threshold: number | null;
  updated_at: string | null;
}

const dataUri = (type: string, bytes: Buffer) => `data:${type};base64,${bytes.toString('base64')}`;

/** A JPEG with a comment-bearing EXIF block, the kind of thing that must not reach the page. */
async function jpegWithMetadata(): Promise<Buffer> {
  return sharp({ create: { width: 900, height: 300, channels: 3, background: '#c0392b' } })
    .withMetadata({ exif: { IFD0: { Copyright: 'LEAKED-SECRET-42', ImageDescription: 'LEAKED-SECRET-42' } } })
    .jpeg()
    .toBuffer();
}

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 20, g: 80, b: 200, alpha: 0.5 } } }).png().toBuffer();
}

describe.each(STORE_KINDS)('tenant settings on %s', (kind) => {
  let t: TestService;
  beforeAll(async () => {
    // An API process: these routes never look at a frame, so no models are loaded.
    t = await startTestService(kind, { env: { LIVECHECK_ROLE: 'api' } });
  });
  afterAll(() => t.stop());

  const settingsUrl = (tenant: string) => `/admin/tenants/${tenant}/settings`;
  const put = (tenant: string, json: object, key = ADMIN_KEY) => t.request(settingsUrl(tenant), { method: 'PUT', key, json });
  const get = (tenant: string, key = ADMIN_KEY) => t.request(settingsUrl(tenant), { key });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  describe('happy', () => {
    it('a tenant never set has the defaults', async () => {
      const res = await get('fresh-tenant');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        tenant: 'fresh-tenant',
        display_name: null,
        accent_color: null,
        accent_applied: null,
        logo: null,
        frame_ancestors: [],
        default_threshold: null,
        updated_at: null,
      });
    });

    it('stores name, accent, origins and logo; the logo is a fresh metadata-free PNG at a hashed URL cached for good', async () => {
      const uploaded = await jpegWithMetadata();
      expect(uploaded.includes('LEAKED-SECRET-42')).toBe(true);
      const res = await put('brand-co', {
        display_name: '  Brand   Co ',
        accent_color: '#C0392B',
        logo: dataUri('image/jpeg', uploaded),
        frame_ancestors: ['https://App.Brand.example', 'https://brand.example:8443', 'https://app.brand.example'],
        default_threshold: 0.8,
      });
      expect(res.status).toBe(200);
      const saved = (await res.json()) as Settings;
      expect(saved).toMatchObject({
        tenant: 'brand-co',
        display_name: 'Brand Co',
        accent_color: '#c0392b',
        frame_ancestors: ['https://app.brand.example', 'https://brand.example:8443'],
        default_threshold: 0.8,
      });
      expect(saved.logo).toMatch(/^\/branding\/logo\/[0-9a-f]{64}\.png$/);
      expect(Date.parse(saved.updated_at ?? '')).toBeGreaterThan(0);
      expect(await (await get('brand-co')).json()).toEqual(saved);

      const logo = await t.request(saved.logo ?? '');
      expect(logo.status).toBe(200);
      expect(logo.headers.get('content-type')).toBe('image/png');
      expect(logo.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(logo.headers.get('x-content-type-options')).toBe('nosniff');
      const bytes = Buffer.from(await logo.arrayBuffer());
      expect(bytes.includes('LEAKED-SECRET-42')).toBe(false);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('png');
      expect(meta.exif).toBeUndefined();
      // Scaled to what the page needs (at most 480 × 144), proportions kept.
      expect([meta.width, meta.height]).toEqual([432, 144]);
    });

    it('the accent is kept as chosen and shown in shades that keep 4.5:1 contrast in light and dark mode', async () => {
      for (const accent of ['#ffe066', '#1a1a1a', '#2451c7']) {
        const saved = (await (await put('accents', { accent_color: accent })).json()) as Settings;
        expect(saved.accent_color).toBe(accent);
        const applied = saved.accent_applied;
        expect(applied).not.toBeNull();
        expect(contrastRatio(applied?.light ?? '', '#ffffff')).toBeGreaterThanOrEqual(4.5);
        expect(contrastRatio(applied?.dark ?? '', '#171b22')).toBeGreaterThanOrEqual(4.5);
      }
      // A colour that is readable already is used unchanged on light cards.
      const blue = (await (await put('accents', { accent_color: '#2451c7' })).json()) as Settings;
      expect(blue.accent_applied?.light).toBe('#2451c7');
    });

    it('PUT replaces the whole settings; the logo URL from GET keeps the logo, and leaving it out removes it', async () => {
      const first = (await (await put('roundtrip', { display_name: 'Round Trip', logo: dataUri('image/png', await png(200, 100)) })).json()) as Settings;
      const { tenant: _tenant, accent_applied: _applied, updated_at: _updated, ...asSent } = first;
      const kept = (await (await put('roundtrip', { ...asSent, accent_color: '#117a65' })).json()) as Settings;
      expect(kept.logo).toBe(first.logo);
      expect(kept.display_name).toBe('Round Trip');
      expect(kept.accent_color).toBe('#117a65');

      const cleared = (await (await put('roundtrip', { accent_color: '#117a65' })).json()) as Settings;
      expect(cleared).toMatchObject({ display_name: null, logo: null, frame_ancestors: [], default_threshold: null });
      expect((await t.request(first.logo ?? '')).status).toBe(404);
    });

    it('default_threshold applies to checks created without a threshold, and only to that tenant', async () => {
      const strict = await t.tenantKey('strict-co');
      const other = await t.tenantKey('other-co');
      expect((await put('strict-co', { default_threshold: 0.9 })).status).toBe(200);
      const thresholdOf = async (key: string, json: object) => {
        const created = (await (await t.request('/liveness_check', { method: 'POST', key, json })).json()) as { id: string };
        const row = await t.service.store.db.selectFrom('liveness_checks').select('options').where('id', '=', created.id).executeTakeFirstOrThrow();
        return (JSON.parse(row.options) as { threshold: number }).threshold;
      };
      expect(await thresholdOf(strict, {})).toBe(0.9);
      expect(await thresholdOf(strict, { threshold: 0.3 })).toBe(0.3);
      // LIVECHECK_DEFAULT_THRESHOLD's default.
      expect(await thresholdOf(other, {})).toBe(0.5);
    });

    it('every change is in the audit log: who, which tenant, what changed, which origins may frame the page', async () => {
      await put('audited', { frame_ancestors: ['https://shop.audited.example'], display_name: 'Audited' });
      const res = await t.request('/admin/audit_log?subject=audited', { key: ADMIN_KEY });
      const { entries } = (await res.json()) as { entries: Array<{ actor: string; action: string; subject: string; details: Record<string, unknown> }> };
      expect(entries[0]).toMatchObject({
        actor: 'admin',
        action: 'tenant_settings.update',
        subject: 'audited',
        details: { changed: 'display_name,frame_ancestors', frame_ancestors: 'https://shop.audited.example', logo: null },
      });
    });
  });

  describe('error', () => {
    it('refuses colours that are not #rrggbb', async () => {
      for (const accent_color of ['red', '#fff', '#12345g', 'rgb(1,2,3)', '#1234567']) {
        const res = await put('errors', { accent_color });
        expect(res.status, accent_color).toBe(400);
        expect((await errorOf(res)).code).toBe('invalid_request');
      }
    });

    it('refuses anything but bare https origins, naming the entry and the fix', async () => {
      const cases: Array<[string, string]> = [
        ['http://app.example', 'frame_ancestors'],
        ['https://app.example/', 'did you mean https://app.example?'],
        ['https://app.example/path', 'did you mean https://app.example?'],
        ['https://app.example:443', 'did you mean https://app.example?'],
        ['https://*.example.com', 'without path or wildcard'],
        ['*', 'frame_ancestors'],
        ['https://app.example;script-src', 'frame_ancestors[0]'],
        ["https://app.example 'unsafe-inline'", 'frame_ancestors[0]'],
        ['https://user@app.example', 'frame_ancestors[0]'],
        ['https://app.example:99999', 'frame_ancestors[0]'],
        ["'self'", 'frame_ancestors'],
      ];
      for (const [origin, words] of cases) {
        const res = await put('errors', { frame_ancestors: [origin] });
        expect(res.status, origin).toBe(400);
        expect((await errorOf(res)).message, origin).toContain(words);
      }
      const many = Array.from({ length: 11 }, (_, i) => `https://app${i}.example`);
      expect((await put('errors', { frame_ancestors: many })).status).toBe(400);
      // Nothing was stored by any of these.
      expect(((await (await get('errors')).json()) as Settings).updated_at).toBeNull();
    });

    it('refuses logos that are not a real PNG or JPEG, too big, animated or a decompression bomb', async () => {
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
      const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).gif().toBuffer();
      const jpeg = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).jpeg().toBuffer();
      const good = await png(64, 64);
      const bomb = await sharp({ create: { width: 5000, height: 4000, channels: 3, background: '#fff' } }).png({ compressionLevel: 9 }).toBuffer();
      const noisy = await sharp(Buffer.from(Array.from({ length: 600 * 400 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 600, height: 400, channels: 3 } })
        .png({ compressionLevel: 0 })
        .toBuffer();
      expect(noisy.length).toBeGreaterThan(512 * 1024);
      const cases: Array<[string, number]> = [
        [dataUri('image/svg+xml', svg), 400],
        [dataUri('image/png', svg), 400],
        [dataUri('image/gif', gif), 400],
        [dataUri('image/png', gif), 400],
        [dataUri('image/png', jpeg), 400],
        [dataUri('image/png', good.subarray(0, good.length / 2)), 400],
        [dataUri('image/png', bomb), 400],
        ['https://elsewhere.example/logo.png', 400],
        ['/branding/logo/' + 'a'.repeat(64) + '.png', 400],
        [dataUri('image/png', noisy), 400],
      ];
      for (const [logo, status] of cases) {
        const res = await put('errors', { logo });
        expect([status, 413], logo.slice(0, 40)).toContain(res.status);
      }
      const refusal = async (bytes: Buffer) => (await errorOf(await put('errors', { logo: dataUri('image/png', bytes) }))).message;
      expect(await refusal(bomb)).toContain('at most 4096 × 4096 pixels');
      expect(await refusal(svg)).toContain('the data is svg, not png');
    });

    it('refuses a threshold out of range, a bad tenant name, unknown fields, an over-long name', async () => {
      expect((await put('errors', { default_threshold: 1.5 })).status).toBe(400);
      expect((await put('errors', { default_threshold: '0.5' })).status).toBe(400);
      expect((await put('bad name!', {})).status).toBe(400);
      expect((await put('errors', { colour: '#ffffff' })).status).toBe(400);
      expect((await put('errors', { display_name: 'x'.repeat(81) })).status).toBe(400);
      expect((await put('errors', { display_name: 'bell\u0007' })).status).toBe(400);
    });
  });

  describe('security', () => {
    it('needs the admin key: none, a tenant key and a wrong key are 401 and learn nothing', async () => {
      const tenant = await t.tenantKey('acme');
      for (const key of [undefined, tenant, 'not-the-admin-key']) {
        for (const res of [await t.request(settingsUrl('acme'), key === undefined ? {} : { key }), await put('acme', { display_name: 'Pwned' }, key ?? '')]) {
          expect(res.status).toBe(401);
          expect((await errorOf(res)).code).toBe('unauthorized');
        }
      }
      expect(((await (await get('acme')).json()) as Settings).display_name).toBeNull();
    });

    it('another tenant’s logo URL cannot be borrowed', async () => {
      const theirs = (await (await put('logo-owner', { logo: dataUri('image/png', await png(90, 30)) })).json()) as Settings;
      const res = await put('logo-borrower', { logo: theirs.logo });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toContain('not this tenant’s current logo');
    });

    it('branding URLs serve only what exists: unknown logos and forged stylesheet names are 404', async () => {
      for (const url of [
        `/branding/logo/${'0'.repeat(64)}.png`,
        '/branding/logo/..%2F..%2Fpackage.json',
        '/branding/logo/ABC.png',
        '/branding/accent/accent-2451c7-000000000000.css',
        '/branding/accent/accent-zzzzzz-000000000000.css',
        '/branding/accent/../../package.json',
      ]) {
        const res = await t.request(url);
        expect(res.status, url).toBe(404);
      }
    });
  });
});
