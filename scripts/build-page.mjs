// Builds the hosted capture page (src/capture/page) into dist/public with esbuild: one script and
// one stylesheet with content hashes in their names, and manifest.json naming them. Run after tsc
// (`npm run build`); src/capture/page-routes.ts runs buildPage({ write: false }) itself under tsx.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PAGE_SOURCE = path.join(ROOT, 'src/capture/page');
export const SANDBOX_PAGE_SOURCE = path.join(ROOT, 'src/sandbox/page');
export const PUBLIC_DIR = path.join(ROOT, 'dist/public');
/** The budget for JS + CSS, gzip-compressed. */
export const BUDGET_BYTES = 150 * 1024;

/**
 * @param {{ write?: boolean, outDir?: string }} [options]
 * @returns {Promise<{ manifest: { js: string, css: string, sandbox_js: string, sandbox_css: string }, files: Array<{ name: string, contents: Uint8Array }> }>}
 */
export async function buildPage(options = {}) {
  const outDir = options.outDir ?? PUBLIC_DIR;
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      capture: path.join(PAGE_SOURCE, 'main.ts'),
      'capture-style': path.join(PAGE_SOURCE, 'styles.css'),
      // The sandbox's simulation page, shown instead of the camera for test checks' links.
      sandbox: path.join(SANDBOX_PAGE_SOURCE, 'main.ts'),
      'sandbox-style': path.join(SANDBOX_PAGE_SOURCE, 'styles.css'),
    },
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    // Old enough for the phones people actually carry: iOS 15 Safari, Chrome 80 WebViews (esbuild cannot lower destructuring for Safari 14).
    target: ['es2019', 'safari15', 'chrome80', 'firefox78', 'edge80'],
    platform: 'browser',
    entryNames: '[name].[hash]',
    outdir: path.join(outDir, 'assets'),
    metafile: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files = result.outputFiles.map((file) => ({ name: path.basename(file.path), contents: file.contents }));
  const js = files.find((f) => f.name.startsWith('capture.') && f.name.endsWith('.js'));
  const css = files.find((f) => f.name.startsWith('capture-style.') && f.name.endsWith('.css'));
  const sandboxJs = files.find((f) => f.name.startsWith('sandbox.') && f.name.endsWith('.js'));
  const sandboxCss = files.find((f) => f.name.startsWith('sandbox-style.') && f.name.endsWith('.css'));
  if (!js || !css) throw new Error('esbuild produced no capture script or stylesheet');
  if (!sandboxJs || !sandboxCss) throw new Error('esbuild produced no sandbox script or stylesheet');
  const manifest = { js: js.name, css: css.name, sandbox_js: sandboxJs.name, sandbox_css: sandboxCss.name };
  if (options.write) {
    rmSync(path.join(outDir, 'assets'), { recursive: true, force: true });
    mkdirSync(path.join(outDir, 'assets'), { recursive: true });
    for (const file of files) writeFileSync(path.join(outDir, 'assets', file.name), file.contents);
    writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  return { manifest, files };
}

export function gzipSize(files) {
  return files.reduce((sum, f) => sum + gzipSync(f.contents, { level: 9 }).length, 0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { files } = await buildPage({ write: true });
  const size = gzipSize(files);
  for (const f of files) process.stdout.write(`dist/public/assets/${f.name}  ${f.contents.length} B\n`);
  process.stdout.write(`capture page: ${(size / 1024).toFixed(1)} KB gzip (budget ${BUDGET_BYTES / 1024} KB)\n`);
  if (size > BUDGET_BYTES) {
    process.stderr.write('the capture page is over its size budget\n');
    process.exitCode = 1;
  }
}
