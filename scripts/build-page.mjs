// Builds the hosted capture page (src/capture/page) and the sandbox's simulation page (src/sandbox/page)
// into dist/public with scripts/build-bundle.mjs, and manifest.json naming them. Run after tsc
// (`npm run build`); src/capture/page-routes.ts runs buildPage({ write: false }) itself under tsx.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, bundleHashed, gzipSize, pickOutput, reportBudget, writeBundle } from './build-bundle.mjs';

export { gzipSize };
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
  const files = await bundleHashed({
    entryPoints: {
      capture: path.join(PAGE_SOURCE, 'main.ts'),
      'capture-style': path.join(PAGE_SOURCE, 'styles.css'),
      // The sandbox's simulation page, shown instead of the camera for test checks' links.
      sandbox: path.join(SANDBOX_PAGE_SOURCE, 'main.ts'),
      'sandbox-style': path.join(SANDBOX_PAGE_SOURCE, 'styles.css'),
    },
    // Old enough for the phones people actually carry: iOS 15 Safari, Chrome 80 WebViews (esbuild cannot lower destructuring for Safari 14).
    target: ['es2019', 'safari15', 'chrome80', 'firefox78', 'edge80'],
    outDir,
  });
  const manifest = {
    js: pickOutput(files, 'capture', '.js'),
    css: pickOutput(files, 'capture-style', '.css'),
    sandbox_js: pickOutput(files, 'sandbox', '.js'),
    sandbox_css: pickOutput(files, 'sandbox-style', '.css'),
  };
  if (options.write) writeBundle(outDir, files, manifest);
  return { manifest, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { files } = await buildPage({ write: true });
  reportBudget({ title: 'capture page', assetsPath: 'dist/public/assets', files, budgetBytes: BUDGET_BYTES });
}
