// The review console's page: GET /console (an HTML shell) and its hashed script and stylesheet
// under /console/assets, all from this origin, under a strict CSP (no inline script or style).
import type { App } from '../api/types.js';
import { loadBuiltPage } from '../web/built-page.js';
import { escapeAttribute, escapeText, renderHtmlShell, sendHtml } from '../web/html-shell.js';
import { registerHashedAssets } from '../web/static-assets.js';
import { consoleMessages } from './page/i18n/catalogue.js';
import type { ConsoleMessages } from './page/i18n/messages.js';

/** Images arrive as data: URIs inside JSON; charts are SVG built with DOM calls. */
export const CONSOLE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const MANIFEST_KEYS = ['js', 'css'] as const;
type Manifest = Record<(typeof MANIFEST_KEYS)[number], string>;

/** The same shell for everyone but for its language: the words travel with it, no script is inline. */
function shell(manifest: Manifest, messages: ConsoleMessages): string {
  return renderHtmlShell({
    lang: messages.lang,
    title: messages.pageTitle,
    stylesheets: [`/console/assets/${manifest.css}`],
    script: `/console/assets/${manifest.js}`,
    body: `<div id="app" aria-busy="true" data-messages="${escapeAttribute(JSON.stringify(messages))}"><p class="loading">${escapeText(messages.loading)}</p>
<noscript><p>${escapeText(messages.noScript)}</p></noscript></div>`,
  });
}

export async function registerConsolePage(app: App): Promise<void> {
  const built = await loadBuiltPage({
    title: 'the review console',
    script: 'scripts/build-console.mjs',
    exportName: 'buildConsole',
    manifestKeys: MANIFEST_KEYS,
    defaultDir: 'dist/public/console',
  });

  app.get('/console', { schema: { hide: true } }, async (request, reply) =>
    sendHtml(
      reply,
      { csp: CONSOLE_CSP, permissionsPolicy: 'camera=(), microphone=(), geolocation=()', varyByLanguage: true },
      shell(built.manifest, consoleMessages(request.headers['accept-language'])),
    ),
  );

  registerHashedAssets(app, '/console/assets', built.files);
}
