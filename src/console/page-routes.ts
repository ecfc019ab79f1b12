// The review console's page: GET /console (an HTML shell) and its hashed script and stylesheet
// under /console/assets, all from this origin, under a strict CSP (no inline script or style).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { Type } from 'typebox';
import type { App } from '../api/types.js';
import { consoleMessages } from './page/i18n/catalogue.js';
import type { ConsoleMessages } from './page/i18n/messages.js';

/** Images arrive as data: URIs inside JSON; charts are SVG built with DOM calls. */
export const CONSOLE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Manifest {
  js: string;
  css: string;
}

interface BuiltConsole {
  manifest: Manifest;
  files: Array<{ name: string; contents: Uint8Array }>;
}

interface Asset {
  type: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

function packageRoot(): string {
  for (let dir = HERE; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${HERE}`);
  }
}

interface ConsoleBuilder {
  buildConsole(options: { write?: boolean }): Promise<BuiltConsole>;
}

let fromSource: Promise<BuiltConsole> | undefined;

async function buildFromSource(root: string): Promise<BuiltConsole> {
  const script = path.join(root, 'scripts/build-console.mjs');
  if (!existsSync(script)) throw new Error(`${script} is missing`);
  const builder = (await import(pathToFileURL(script).href)) as ConsoleBuilder;
  return builder.buildConsole({ write: false });
}

/** From source under tsx/vitest; else what `npm run build` wrote; else built on the fly when esbuild is there. */
async function loadConsole(): Promise<BuiltConsole> {
  const root = packageRoot();
  if (RUNNING_FROM_SOURCE) return (fromSource ??= buildFromSource(root));
  const dir = path.join(root, 'dist/public/console');
  const manifestPath = path.join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    return { manifest, files: [manifest.js, manifest.css].map((name) => ({ name, contents: readFileSync(path.join(dir, 'assets', name)) })) };
  }
  try {
    return await (fromSource ??= buildFromSource(root));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the review console is not built (no ${manifestPath}) and could not be built here (${reason}): run \`npm run build\``);
  }
}

function toAsset(name: string, contents: Uint8Array): Asset {
  const identity = Buffer.from(contents);
  return {
    type: name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
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

/** The same shell for everyone but for its language: the words travel with it, no script is inline. */
function shell(manifest: Manifest, messages: ConsoleMessages): string {
  return `<!doctype html>
<html lang="${escapeAttribute(messages.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<title>${escapeText(messages.pageTitle)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/${manifest.css}">
<script src="/console/assets/${manifest.js}" defer></script>
</head>
<body>
<div id="app" aria-busy="true" data-messages="${escapeAttribute(JSON.stringify(messages))}"><p class="loading">${escapeText(messages.loading)}</p>
<noscript><p>${escapeText(messages.noScript)}</p></noscript></div>
</body>
</html>
`;
}

export async function registerConsolePage(app: App): Promise<void> {
  const built = await loadConsole();
  const assets = new Map(built.files.map((f) => [f.name, toAsset(f.name, f.contents)]));

  app.get('/console', { schema: { hide: true } }, async (request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('vary', 'accept-language')
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('permissions-policy', 'camera=(), microphone=(), geolocation=()')
      .header('x-robots-tag', 'noindex, nofollow')
      .header('cache-control', 'no-store')
      .send(shell(built.manifest, consoleMessages(request.headers['accept-language']))),
  );

  app.get(
    '/console/assets/:name',
    { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 128 }) }) } },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) return reply.status(404).send({ error: { code: 'not_found', message: 'no such asset', request_id: request.id } });
      const accepted = (request.headers['accept-encoding'] ?? '').toString().toLowerCase();
      const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : undefined;
      reply
        .header('content-type', asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('cross-origin-resource-policy', 'same-origin')
        .header('vary', 'accept-encoding');
      if (encoding) reply.header('content-encoding', encoding);
      return reply.send(encoding ? asset[encoding] : asset.identity);
    },
  );
}
