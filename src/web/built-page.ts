// Finding a page's built bundle (scripts/build-page.mjs, scripts/build-console.mjs): the manifest and the
// hashed files it names, from source under tsx/vitest, else from what `npm run build` wrote.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BuiltFile {
  name: string;
  contents: Uint8Array;
}

export interface BuiltPage<K extends string> {
  manifest: Record<K, string>;
  files: BuiltFile[];
}

export interface BuiltPageSource<K extends string> {
  /** What the page is called in the error when it can be found nowhere, e.g. "the capture page". */
  title: string;
  /** The build script, from the package root, and the function it exports. */
  script: string;
  exportName: string;
  /** Every file the manifest must name; a manifest missing one is from an older build, so stale. */
  manifestKeys: readonly K[];
  /** Where `npm run build` wrote manifest.json and assets/, from the package root. */
  defaultDir: string;
  /** A directory to read instead (tests); it is read even when running from source. */
  publicDir?: string;
}

type PageBuilder<K extends string> = Record<string, (options: { write?: boolean }) => Promise<BuiltPage<K>>>;

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Under tsx or vitest this file runs from src/ and pages are built from their sources. */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

function packageRoot(): string {
  for (let dir = HERE; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${HERE}`);
  }
}

/** One build per script per process: several registrations (tests) share it. */
const fromSource = new Map<string, Promise<BuiltPage<string>>>();

async function buildFromSource<K extends string>(root: string, source: BuiltPageSource<K>): Promise<BuiltPage<K>> {
  const script = path.join(root, source.script);
  if (!existsSync(script)) throw new Error(`${script} is missing`);
  const builder = (await import(pathToFileURL(script).href)) as PageBuilder<K>;
  const build = builder[source.exportName];
  if (!build) throw new Error(`${script} exports no ${source.exportName}`);
  return build({ write: false });
}

function buildOnce<K extends string>(root: string, source: BuiltPageSource<K>): Promise<BuiltPage<K>> {
  let built = fromSource.get(source.script);
  if (!built) {
    built = buildFromSource(root, source);
    fromSource.set(source.script, built);
  }
  // The map is keyed by script, and one script always yields the same manifest keys.
  return built as Promise<BuiltPage<K>>;
}

function readBuilt<K extends string>(dir: string, keys: readonly K[]): BuiltPage<K> | undefined {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return undefined;
  const read = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Record<K, string>>;
  const manifest: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const name = read[key];
    if (!name) return undefined;
    manifest[key] = name;
  }
  const complete = manifest as Record<K, string>;
  const files = keys.map((key) => ({ name: complete[key], contents: readFileSync(path.join(dir, 'assets', complete[key])) }));
  return { manifest: complete, files };
}

/**
 * From source under tsx/vitest (never a stale bundle), else the bundle `npm run build` wrote; a
 * checkout that was never built gets it built on the fly when esbuild is installed.
 */
export async function loadBuiltPage<K extends string>(source: BuiltPageSource<K>): Promise<BuiltPage<K>> {
  const root = packageRoot();
  if (RUNNING_FROM_SOURCE && source.publicDir === undefined) return buildOnce(root, source);
  const dir = source.publicDir ?? path.join(root, source.defaultDir);
  const built = readBuilt(dir, source.manifestKeys);
  if (built) return built;
  try {
    return await buildOnce(root, source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${source.title} is not built (no ${path.join(dir, 'manifest.json')}) and could not be built here (${reason}): run \`npm run build\``);
  }
}
