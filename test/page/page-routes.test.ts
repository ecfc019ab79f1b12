// GET /c/{capture_id} and /assets over HTTP against the real service: the shell, its headers, its
// language, its assets (hashed, compressed, cached for good) and what it must never do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE_PAGE_CSP, capturePageCsp, registerCapturePage } from '../../src/capture/page-routes.js';
import { CATALOGUE } from '../../src/capture/page/i18n/catalogue.js';
import { type PageHarness, startPageHarness } from './harness.js';

let harness: PageHarness;
beforeAll(async () => {
  harness = await startPageHarness();
});
afterAll(() => harness?.stop());

const get = (url: string, headers: Record<string, string> = {}) => harness.t.request(url, { headers });

function assetsOf(html: string): { js: string; css: string } {
  const js = /<script src="(\/assets\/capture\.[A-Z0-9]+\.js)" defer><\/script>/.exec(html)?.[1];
  const css = /<link rel="stylesheet" href="(\/assets\/capture-style\.[A-Z0-9]+\.css)">/.exec(html)?.[1];
  if (!js || !css) throw new Error(`no hashed assets in the shell:\n${html.slice(0, 800)}`);
  return { js, css };
}

function decodeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('capture page routes', () => {
  describe('happy', () => {
    it('serves the shell with its hashed script and stylesheet and the words of the page', async () => {
      const check = await harness.createCheck();
      const res = await get(new URL(check.url).pathname);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await res.text();
      expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
      assetsOf(html);
      const attribute = /data-messages="([^"]*)"/.exec(html)?.[1] ?? '';
      expect(JSON.parse(decodeAttribute(attribute))).toEqual(CATALOGUE.en);
      expect(html).toContain('<noscript>');
    });

    it('answers in German to a German Accept-Language, in English to one it does not speak', async () => {
      const german = await (await get('/c/cap_x', { 'accept-language': 'de-CH, de;q=0.9, en;q=0.5' })).text();
      expect(german).toContain('<html lang="de">');
      expect(german).toContain(`<title>${CATALOGUE.de.pageTitle}</title>`);
      const french = await (await get('/c/cap_x', { 'accept-language': 'fr-FR, fr;q=0.9' })).text();
      expect(french).toContain('<html lang="en">');
    });

    it('serves assets compressed when asked, byte-identical, cached for a year, within 150 KB gzip', async () => {
      const { js, css } = assetsOf(await (await get('/c/cap_x')).text());
      let gzipTotal = 0;
      for (const [asset, type] of [
        [js, 'text/javascript; charset=utf-8'],
        [css, 'text/css; charset=utf-8'],
      ] as const) {
        const plain = await get(asset, { 'accept-encoding': 'identity' });
        expect(plain.status).toBe(200);
        expect(plain.headers.get('content-type')).toBe(type);
        expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(plain.headers.get('content-encoding')).toBeNull();
        const bytes = Buffer.from(await plain.arrayBuffer());
        // fetch decompresses on its own: ask with node:http semantics by reading the raw stream.
        const gz = await fetchRaw(asset, 'gzip');
        expect(gz.encoding).toBe('gzip');
        expect(gunzipSync(gz.body).equals(bytes)).toBe(true);
        gzipTotal += gz.body.length;
        const br = await fetchRaw(asset, 'gzip, deflate, br');
        expect(br.encoding).toBe('br');
        expect(brotliDecompressSync(br.body).equals(bytes)).toBe(true);
      }
      expect(gzipTotal).toBeLessThan(150 * 1024);
    });

    it('shows the tenant’s name and logo and links its accent stylesheet; other tenants’ links stay plain', async () => {
      const logoPng = await sharp({ create: { width: 120, height: 40, channels: 4, background: { r: 200, g: 30, b: 60, alpha: 1 } } }).png().toBuffer();
      const saved = await harness.setTenantSettings('branded', {
        display_name: 'Bäckerei <Müller> & Söhne',
        accent_color: '#c2185b',
        logo: `data:image/png;base64,${logoPng.toString('base64')}`,
      });
      const check = await harness.createCheck({}, 'branded');
      const html = await (await get(new URL(check.url).pathname)).text();
      expect(html).toContain(`<header class="brand"><img class="brand__logo" src="${saved.logo}" alt=""><span class="brand__name">Bäckerei &lt;Müller&gt; &amp; Söhne</span></header>`);
      expect(html).toContain('<title>Verify it’s you · Bäckerei &lt;Müller&gt; &amp; Söhne</title>');
      const accent = /<link rel="stylesheet" href="(\/branding\/accent\/accent-c2185b-[0-9a-f]{12}\.css)">/.exec(html)?.[1];
      expect(accent).toBeDefined();
      // After the page's own stylesheet, so the tenant's custom properties win.
      expect(html.indexOf(accent ?? '')).toBeGreaterThan(html.indexOf(assetsOf(html).css));

      const css = await get(accent ?? '');
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = await css.text();
      expect(body).toMatch(/^:root\{--accent:#[0-9a-f]{6};--accent-fg:#[0-9a-f]{6};--accent-soft:#[0-9a-f]{6}\}\n@media \(prefers-color-scheme: dark\)\{:root\{--accent:#[0-9a-f]{6};/);
      const logo = await get(saved.logo ?? '');
      expect(logo.status).toBe(200);
      expect(logo.headers.get('content-type')).toBe('image/png');

      const plain = await (await get(new URL((await harness.createCheck()).url).pathname)).text();
      expect(plain).not.toContain('class="brand"');
      expect(plain).not.toContain('/branding/');
    });

    it('serves a bundle written by scripts/build-page.mjs from a public directory, as from dist/', async () => {
      const outDir = mkdtempSync(path.join(tmpdir(), 'livecheck-public-'));
      try {
        const script = pathToFileURL(path.resolve('scripts/build-page.mjs')).href;
        const builder = (await import(script)) as { buildPage(o: { write: boolean; outDir: string }): Promise<{ manifest: { js: string; css: string } }> };
        const { manifest } = await builder.buildPage({ write: true, outDir });
        const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
        await registerCapturePage(app, { publicDir: outDir });
        const shell = await app.inject({ method: 'GET', url: '/c/cap_x' });
        expect(shell.body).toContain(`/assets/${manifest.js}`);
        expect((await app.inject({ method: 'GET', url: `/assets/${manifest.css}` })).statusCode).toBe(200);
        await app.close();
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    });
  });

  describe('security', () => {
    it('sends the strict CSP, no referrer (the path holds the capture secret), camera only for itself, no framing, no caching', async () => {
      const res = await get('/c/cap_x');
      expect(res.headers.get('content-security-policy')).toBe(CAPTURE_PAGE_CSP);
      expect(CAPTURE_PAGE_CSP).toContain("default-src 'self'");
      expect(CAPTURE_PAGE_CSP).not.toContain('unsafe');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('permissions-policy')).toMatch(/(^|, )camera=\(self\)(,|$)/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('vary')).toContain('accept-language');
    });

    it('frame-ancestors: none (and X-Frame-Options DENY) by default; exactly the tenant’s origins once configured', async () => {
      await harness.setTenantSettings('framed', { frame_ancestors: ['https://app.framed.example', 'https://kiosk.framed.example:8443'] });
      await harness.setTenantSettings('unframed', { display_name: 'Unframed' });
      const cases: Array<[string, string[]]> = [
        [(await harness.createCheck({}, 'framed')).url, ['https://app.framed.example', 'https://kiosk.framed.example:8443']],
        [(await harness.createCheck({}, 'unframed')).url, []],
        [(await harness.createCheck()).url, []],
        [`${harness.origin}/c/cap_${'y'.repeat(40)}`, []],
      ];
      for (const [url, origins] of cases) {
        const res = await get(new URL(url).pathname);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toBe(capturePageCsp(origins));
        const ancestors = /frame-ancestors ([^;]*)$/.exec(csp)?.[1];
        expect(ancestors).toBe(origins.length > 0 ? origins.join(' ') : "'none'");
        // X-Frame-Options cannot list origins: it would contradict the CSP, so it is left out then.
        expect(res.headers.get('x-frame-options')).toBe(origins.length > 0 ? null : 'DENY');
      }
    });

    it('never echoes the path into the page, and the words cannot break out of their attribute', async () => {
      const evil = encodeURIComponent('"><script>alert(1)</script>');
      const res = await get(`/c/${evil}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toContain('alert(1)');
      // Only the one external script: no inline script at all.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(/data-messages="[^"<>]*"/.test(html)).toBe(true);
    });

    it('serves nothing but the built assets', async () => {
      for (const url of ['/assets/manifest.json', '/assets/..%2Fmanifest.json', '/assets/capture.js', '/assets/%2e%2e%2fpackage.json']) {
        const res = await get(url);
        expect(res.status, url).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
      }
    });
  });

  describe('error', () => {
    it('rejects an over-long capture id with the error envelope', async () => {
      const res = await get(`/c/cap_${'a'.repeat(200)}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    });
  });
});

/** fetch() always decompresses; node:http shows what went over the wire. */
async function fetchRaw(pathname: string, acceptEncoding: string): Promise<{ encoding: string | undefined; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const request = http.get(`${harness.t.url}${pathname}`, { headers: { 'accept-encoding': acceptEncoding } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
