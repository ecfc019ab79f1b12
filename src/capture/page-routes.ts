// The hosted capture page: GET /c/{capture_id} (an HTML shell in the visitor's language, with the
// tenant's name and logo), its hashed script and stylesheet under /assets, and the tenant's logo and
// accent stylesheet under /branding, all from this origin, under a strict CSP.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../api/types.js';
import { accentStylesheetByName } from '../tenancy/accent-colour.js';
import type { PageBranding } from '../tenancy/tenant-settings.js';
import { sendSimulationPage } from '../sandbox/page-shell.js';
import { CATALOGUE, negotiateLocale } from './page/i18n/catalogue.js';

/** Where the page's per-tenant look and framing come from (src/tenancy/tenant-settings.ts). */
export interface CapturePageBranding {
  brandingForCapture(captureId: string): Promise<PageBranding>;
  logo(hash: string): Promise<Buffer | undefined>;
}

export interface CapturePageOptions {
  /** Test checks' links get the simulation page instead of the camera (src/sandbox). */
  sandbox?: { isTestLink(captureId: string): Promise<boolean> };
  /** A directory holding manifest.json and assets/ from scripts/build-page.mjs; default dist/public. */
  publicDir?: string;
  /** Per-tenant name, logo, accent and frame-ancestors; without it every page is unbranded and unframeable. */
  branding?: CapturePageBranding;
}

interface Manifest {
  js: string;
  css: string;
  /** The sandbox's simulation page (src/sandbox/page). */
  sandbox_js: string;
  sandbox_css: string;
}

interface BuiltPage {
  manifest: Manifest;
  files: Array<{ name: string; contents: Uint8Array }>;
}

interface Asset {
  type: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/**
 * What the page needs and nothing more: camera, same-origin calls, images from the canvas. Framing
 * only by the origins the tenant configured (already validated as bare https origins).
 */
export function capturePageCsp(frameAncestors: readonly string[]): string {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  return `default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ${ancestors}`;
}

/** The policy of a page no tenant allowed to be framed. */
export const CAPTURE_PAGE_CSP = capturePageCsp([]);

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Under tsx or vitest this file runs from src/ and the page is built from its sources. */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

function packageRoot(): string {
  for (let dir = HERE; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${HERE}`);
  }
}

interface PageBuilder {
  buildPage(options: { write?: boolean }): Promise<BuiltPage>;
}

async function buildFromSource(root: string): Promise<BuiltPage> {
  const script = path.join(root, 'scripts/build-page.mjs');
  if (!existsSync(script)) throw new Error(`${script} is missing`);
  const builder = (await import(pathToFileURL(script).href)) as PageBuilder;
  return builder.buildPage({ write: false });
}

function readBuilt(publicDir: string): BuiltPage | undefined {
  const manifestPath = path.join(publicDir, 'manifest.json');
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Manifest>;
  // A bundle from before the sandbox page existed is stale: treat it as not built.
  if (!manifest.js || !manifest.css || !manifest.sandbox_js || !manifest.sandbox_css) return undefined;
  const complete: Manifest = { js: manifest.js, css: manifest.css, sandbox_js: manifest.sandbox_js, sandbox_css: manifest.sandbox_css };
  const files = Object.values(complete).map((name) => ({ name, contents: readFileSync(path.join(publicDir, 'assets', name)) }));
  return { manifest: complete, files };
}

let fromSource: Promise<BuiltPage> | undefined;

/**
 * From source under tsx/vitest (never a stale bundle), else the bundle `npm run build` wrote to
 * dist/public; a checkout that was never built gets it built on the fly when esbuild is installed.
 */
async function loadPage(options: CapturePageOptions): Promise<BuiltPage> {
  const root = packageRoot();
  if (RUNNING_FROM_SOURCE && options.publicDir === undefined) return (fromSource ??= buildFromSource(root));
  const publicDir = options.publicDir ?? path.join(root, 'dist/public');
  const built = readBuilt(publicDir);
  if (built) return built;
  try {
    return await (fromSource ??= buildFromSource(root));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the capture page is not built (no ${path.join(publicDir, 'manifest.json')}) and could not be built here (${reason}): run \`npm run build\``);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function toAsset(name: string, contents: Uint8Array): Asset {
  const identity = Buffer.from(contents);
  return {
    type: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    identity,
    gzip: gzipSync(identity, { level: 9 }),
    br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The tenant's name and logo above the card; the logo is decorative next to the name. */
function renderBrand(branding: PageBranding): string {
  if (branding.displayName === undefined && branding.logoUrl === undefined) return '';
  const logo = branding.logoUrl ? `<img class="brand__logo" src="${escapeAttribute(branding.logoUrl)}" alt="">` : '';
  const name = branding.displayName ? `<span class="brand__name">${escapeText(branding.displayName)}</span>` : '';
  return `<header class="brand">${logo}${name}</header>\n`;
}

function renderShell(manifest: Manifest, acceptLanguage: string | undefined, branding: PageBranding): string {
  const locale = negotiateLocale(acceptLanguage);
  const messages = CATALOGUE[locale];
  const title = branding.displayName ? `${messages.pageTitle} · ${branding.displayName}` : messages.pageTitle;
  const accent = branding.accentStylesheetUrl ? `<link rel="stylesheet" href="${escapeAttribute(branding.accentStylesheetUrl)}">\n` : '';
  const html = `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeText(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/${manifest.css}">
${accent}<script src="/assets/${manifest.js}" defer></script>
</head>
<body>
${renderBrand(branding)}<main id="app" aria-busy="true" data-messages="${escapeAttribute(JSON.stringify(messages))}">
<p>${escapeText(messages.loading)}</p>
<noscript><p>${escapeText(messages.noScript)}</p></noscript>
</main>
</body>
</html>
`;
  return html;
}

function preferredEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = (acceptEncoding ?? '').toLowerCase();
  if (/\bbr\b/.test(accepted)) return 'br';
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  return undefined;
}

export async function registerCapturePage(app: App, options: CapturePageOptions = {}): Promise<void> {
  const page = await loadPage(options);
  const assets = new Map(page.files.map((f) => [f.name, toAsset(f.name, f.contents)]));

  app.get(
    '/c/:capture_id',
    { schema: { hide: true, params: Type.Object({ capture_id: Type.String({ maxLength: 128 }) }) } },
    async (request, reply) => {
      if (options.sandbox && (await options.sandbox.isTestLink(request.params.capture_id))) {
        return sendSimulationPage(reply, page.manifest);
      }
      // The capture id is read by the script from the path; the shell only carries the tenant's look.
      const branding = (await options.branding?.brandingForCapture(request.params.capture_id)) ?? { frameAncestors: [] };
      const html = renderShell(page.manifest, request.headers['accept-language'], branding);
      // X-Frame-Options cannot name several origins (ALLOW-FROM is gone): DENY when nobody may
      // frame the page, absent otherwise, where the CSP's frame-ancestors decides.
      if (branding.frameAncestors.length === 0) reply.header('x-frame-options', 'DENY');
      else reply.removeHeader('x-frame-options');
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', capturePageCsp(branding.frameAncestors))
        // The path holds the capture secret: no Referer may carry it anywhere.
        .header('referrer-policy', 'no-referrer')
        .header('permissions-policy', 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()')
        .header('cross-origin-opener-policy', 'same-origin')
        .header('x-robots-tag', 'noindex, nofollow')
        .header('cache-control', 'no-store')
        .header('vary', 'accept-language')
        .send(html);
    },
  );

  app.get(
    '/assets/:name',
    { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 128 }) }) } },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) {
        return reply.status(404).send({ error: { code: 'not_found', message: 'no such asset', request_id: request.id } });
      }
      const encoding = preferredEncoding(request.headers['accept-encoding']);
      reply
        .header('content-type', asset.type)
        // Names carry a content hash: a new build is a new name, so this copy never changes.
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('cross-origin-resource-policy', 'same-origin')
        .header('vary', 'accept-encoding');
      if (encoding) reply.header('content-encoding', encoding);
      return reply.send(encoding ? asset[encoding] : asset.identity);
    },
  );

  const { branding } = options;
  if (!branding) return;
  const immutable = (reply: FastifyReply, type: string) =>
    reply
      .header('content-type', type)
      // Named by their contents: a new logo or colour is a new URL, so this copy never changes.
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('cross-origin-resource-policy', 'same-origin');

  app.get(
    '/branding/logo/:name',
    { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 128 }) }) } },
    async (request, reply) => {
      const hash = /^([0-9a-f]{64})\.png$/.exec(request.params.name)?.[1];
      const png = hash ? await branding.logo(hash) : undefined;
      if (!png) return reply.status(404).send({ error: { code: 'not_found', message: 'no such logo', request_id: request.id } });
      return immutable(reply, 'image/png').send(png);
    },
  );

  app.get(
    '/branding/accent/:name',
    { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 128 }) }) } },
    async (request, reply) => {
      const css = accentStylesheetByName(request.params.name);
      if (!css) return reply.status(404).send({ error: { code: 'not_found', message: 'no such stylesheet', request_id: request.id } });
      return immutable(reply, 'text/css; charset=utf-8').send(css);
    },
  );
}
