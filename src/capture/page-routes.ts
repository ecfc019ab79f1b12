// The hosted capture page: GET /c/{capture_id} (an HTML shell in the visitor's language, with the
// tenant's name and logo), its hashed script and stylesheet under /assets, and the tenant's logo and
// accent stylesheet under /branding, all from this origin, under a strict CSP.
import { Type } from 'typebox';
import type { App } from '../api/types.js';
import { accentStylesheetByName } from '../tenancy/accent-colour.js';
import type { PageBranding } from '../tenancy/tenant-settings.js';
import { sendSimulationPage } from '../sandbox/page-shell.js';
import { loadBuiltPage } from '../web/built-page.js';
import { escapeAttribute, escapeText, renderHtmlShell, sendHtml } from '../web/html-shell.js';
import { immutable, registerHashedAssets } from '../web/static-assets.js';
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

/** The capture page's files, and the sandbox's simulation page's (src/sandbox/page). */
const MANIFEST_KEYS = ['js', 'css', 'sandbox_js', 'sandbox_css'] as const;
type Manifest = Record<(typeof MANIFEST_KEYS)[number], string>;

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
  const accent = branding.accentStylesheetUrl ? [branding.accentStylesheetUrl] : [];
  return renderHtmlShell({
    lang: locale,
    title,
    stylesheets: [`/assets/${manifest.css}`, ...accent],
    script: `/assets/${manifest.js}`,
    fitViewport: true,
    noReferrer: true,
    body: `${renderBrand(branding)}<main id="app" aria-busy="true" data-messages="${escapeAttribute(JSON.stringify(messages))}">
<p>${escapeText(messages.loading)}</p>
<noscript><p>${escapeText(messages.noScript)}</p></noscript>
</main>`,
  });
}

export async function registerCapturePage(app: App, options: CapturePageOptions = {}): Promise<void> {
  const page = await loadBuiltPage({
    title: 'the capture page',
    script: 'scripts/build-page.mjs',
    exportName: 'buildPage',
    manifestKeys: MANIFEST_KEYS,
    defaultDir: 'dist/public',
    publicDir: options.publicDir,
  });

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
      return sendHtml(
        reply,
        {
          csp: capturePageCsp(branding.frameAncestors),
          permissionsPolicy: 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()',
          frameable: branding.frameAncestors.length > 0,
          // The path holds the capture secret.
          noReferrer: true,
          varyByLanguage: true,
        },
        html,
      );
    },
  );

  registerHashedAssets(app, '/assets', page.files);

  const { branding } = options;
  if (!branding) return;
  // Named by their contents: a new logo or colour is a new URL.
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
