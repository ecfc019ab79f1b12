// Builds the review console (src/console/page) into dist/public/console with esbuild, like
// scripts/build-page.mjs does for the capture page: one hashed script, one hashed stylesheet and a
// manifest naming them. src/console/page-routes.ts runs buildConsole({ write: false }) under tsx.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { console: path.join(CONSOLE_SOURCE, 'main.ts'), 'console-style': path.join(CONSOLE_SOURCE, 'styles.css') },
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    target: ['es2020', 'safari15', 'chrome90', 'firefox90'],
    platform: 'browser',
    entryNames: '[name].[hash]',
    outdir: path.join(outDir, 'assets'),
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files = result.outputFiles.map((file) => ({ name: path.basename(file.path), contents: file.contents }));
  const js = files.find((f) => f.name.startsWith('console.') && f.name.endsWith('.js'));
  const css = files.find((f) => f.name.endsWith('.css'));
  if (!js || !css) throw new Error('esbuild produced no console script or stylesheet');
  const manifest = { js: js.name, css: css.name };
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
  const { files } = await buildConsole({ write: true });
  const size = gzipSize(files);
  for (const f of files) process.stdout.write(`dist/public/console/assets/${f.name}  ${f.contents.length} B\n`);
  process.stdout.write(`review console: ${(size / 1024).toFixed(1)} KB gzip (budget ${BUDGET_BYTES / 1024} KB)\n`);
  if (size > BUDGET_BYTES) {
    process.stderr.write('the review console is over its size budget\n');
    process.exitCode = 1;
  }
}
