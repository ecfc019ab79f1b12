// The one way a browser page of this origin is built (scripts/build-page.mjs, scripts/build-console.mjs):
// esbuild bundles its entry points into files with content hashes in their names, a manifest names them,
// and src/web/static-assets.ts serves them as immutable.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles `entryPoints` (name -> source file) and returns the hashed files; the caller picks its manifest
 * from them with `pickOutput`, then `writeBundle` puts both under `outDir` when asked to.
 * @param {{ entryPoints: Record<string, string>, target: string[], outDir: string }} options
 * @returns {Promise<Array<{ name: string, contents: Uint8Array }>>}
 */
export async function bundleHashed({ entryPoints, target, outDir }) {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    target,
    platform: 'browser',
    entryNames: '[name].[hash]',
    outdir: path.join(outDir, 'assets'),
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles.map((file) => ({ name: path.basename(file.path), contents: file.contents }));
}

/**
 * The output of entry point `entry` with extension `ext` (".js" or ".css").
 * @param {Array<{ name: string }>} files
 * @param {string} entry
 * @param {string} ext
 * @returns {string}
 */
export function pickOutput(files, entry, ext) {
  const file = files.find((f) => f.name.startsWith(`${entry}.`) && f.name.endsWith(ext));
  if (!file) throw new Error(`esbuild produced no ${entry} ${ext === '.css' ? 'stylesheet' : 'script'}`);
  return file.name;
}

/**
 * Replaces `outDir`/assets with `files` and writes `outDir`/manifest.json.
 * @param {string} outDir
 * @param {Array<{ name: string, contents: Uint8Array }>} files
 * @param {Record<string, string>} manifest
 */
export function writeBundle(outDir, files, manifest) {
  rmSync(path.join(outDir, 'assets'), { recursive: true, force: true });
  mkdirSync(path.join(outDir, 'assets'), { recursive: true });
  for (const file of files) writeFileSync(path.join(outDir, 'assets', file.name), file.contents);
  writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** @param {Array<{ contents: Uint8Array }>} files */
export function gzipSize(files) {
  return files.reduce((sum, f) => sum + gzipSync(f.contents, { level: 9 }).length, 0);
}

/**
 * The command-line report of a build: each file, the gzip total against its budget, exit code 1 when over.
 * @param {{ title: string, assetsPath: string, files: Array<{ name: string, contents: Uint8Array }>, budgetBytes: number }} options
 */
export function reportBudget({ title, assetsPath, files, budgetBytes }) {
  const size = gzipSize(files);
  for (const f of files) process.stdout.write(`${assetsPath}/${f.name}  ${f.contents.length} B\n`);
  process.stdout.write(`${title}: ${(size / 1024).toFixed(1)} KB gzip (budget ${budgetBytes / 1024} KB)\n`);
  if (size > budgetBytes) {
    process.stderr.write(`the ${title} is over its size budget\n`);
    process.exitCode = 1;
  }
}
