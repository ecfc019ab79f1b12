// Builds the review console (src/console/page) into dist/public/console with scripts/build-bundle.mjs,
// like scripts/build-page.mjs does for the capture page: one hashed script, one hashed stylesheet and a
// manifest naming them. src/console/page-routes.ts runs buildConsole({ write: false }) under tsx.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, bundleHashed, gzipSize, pickOutput, reportBudget, writeBundle } from './build-bundle.mjs';

export { gzipSize };
export const CONSOLE_SOURCE = path.join(ROOT, 'src/console/page');
export const CONSOLE_DIR = path.join(ROOT, 'dist/public/console');
/** Reviewers use desktop browsers, but the console is held to the capture page's discipline. */
export const BUDGET_BYTES = 60 * 1024;

/**
 * @param {{ write?: boolean, outDir?: string }} [options]
 * @returns {Promise<{ manifest: { js: string, css: string }, files: Array<{ name: string, contents: Uint8Array }> }>}
 */
export async function buildConsole(options = {}) {
  const outDir = options.outDir ?? CONSOLE_DIR;
  const files = await bundleHashed({
    entryPoints: { console: path.join(CONSOLE_SOURCE, 'main.ts'), 'console-style': path.join(CONSOLE_SOURCE, 'styles.css') },
    target: ['es2020', 'safari15', 'chrome90', 'firefox90'],
    outDir,
  });
  const manifest = { js: pickOutput(files, 'console', '.js'), css: pickOutput(files, 'console-style', '.css') };
  if (options.write) writeBundle(outDir, files, manifest);
  return { manifest, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { files } = await buildConsole({ write: true });
  reportBudget({ title: 'review console', assetsPath: 'dist/public/console/assets', files, budgetBytes: BUDGET_BYTES });
}
