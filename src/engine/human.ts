// Loads @vladmandic/human on the tfjs WASM backend with models read from the npm package on disk.
// `require('@vladmandic/human')` pulls in tfjs-node (not installable here), and Human's defaults fetch
// the WASM binaries and models from a CDN; both are avoided: nothing is downloaded at run time.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config, Human as HumanInstance } from '@vladmandic/human';

const require = createRequire(import.meta.url);

export type Human = HumanInstance;
type HumanModule = typeof import('@vladmandic/human');
type Tf = HumanInstance['tf'];

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Directory of the model files shipped inside the @vladmandic/human package. */
export function humanModelsDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

function wasmDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

/** Human options for server-side analysis of single, unrelated frames: no temporal caching or skipping. */
export function baseHumanConfig(overrides: DeepPartial<Config> = {}): Partial<Config> {
  const base: Partial<Config> = {
    backend: 'wasm',
    wasmPath: wasmDir(),
    wasmPlatformFetch: false,
    modelBasePath: `file://${humanModelsDir()}/`,
    cacheSensitivity: 0,
    cacheModels: false,
    debug: false,
    warmup: 'none',
    async: false,
    filter: { enabled: false } as Config['filter'],
    face: {
      enabled: true,
      detector: { rotation: true, maxDetected: 3, skipFrames: 0, skipTime: 0, minConfidence: 0.5, return: false },
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: true, skipFrames: 0, skipTime: 0 },
      antispoof: { enabled: true, skipFrames: 0, skipTime: 0 },
      liveness: { enabled: true, skipFrames: 0, skipTime: 0 },
    } as Config['face'],
    body: { enabled: false } as Config['body'],
    hand: { enabled: false } as Config['hand'],
    object: { enabled: false } as Config['object'],
    gesture: { enabled: false },
    segmentation: { enabled: false } as Config['segmentation'],
  };
  return deepMerge(base, overrides);
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Overrides win field by field, so `{ face: { detector: { maxDetected: 8 } } }` keeps the rest. */
function deepMerge<T extends object>(base: T, overrides: object): T {
  const out: Plain = { ...(base as Plain) };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? deepMerge(current, value) : value;
  }
  return out as T;
}

/** Serves `file://` model URLs from disk, since tfjs-core only knows http(s) outside tfjs-node. */
function registerFileModelLoader(tf: Tf): void {
  tf.io.registerLoadRouter((url: string | string[]) => {
    const first = Array.isArray(url) ? url[0] : url;
    if (typeof first !== 'string' || !first.startsWith('file://')) return null;
    const file = first.slice('file://'.length);
    return {
      load: async () => {
        const json = JSON.parse(await readFile(file, 'utf8')) as {
          modelTopology: object;
          format?: string;
          generatedBy?: string;
          convertedBy?: string;
          signature?: object;
          userDefinedMetadata?: Record<string, unknown>;
          modelInitializer?: object;
          weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
        };
        const parts = await Promise.all(
          json.weightsManifest.flatMap((group) => group.paths.map((p) => readFile(path.join(path.dirname(file), p)))),
        );
        const weights = Buffer.concat(parts);
        return {
          modelTopology: json.modelTopology,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          // The signature names the model's outputs. Without it tfjs takes the graph's leaf nodes, and for
          // faceres that drops `global_pooling/Mean` (the 1024-d descriptor, which feeds the age/gender
          // heads), so `face.embedding` came back empty. tf.loadGraphModel over http keeps these fields.
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
          modelInitializer: json.modelInitializer,
          weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        } as Parameters<Tf['io']['fromMemory']>[0];
      },
    };
  });
}

let loaderRegistered = false;

interface ProcessHandlers {
  uncaughtException: NodeJS.UncaughtExceptionListener[];
  unhandledRejection: NodeJS.UnhandledRejectionListener[];
}

function processHandlers(): ProcessHandlers {
  return { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
}

/**
 * The emscripten glue of tfjs-backend-wasm installs process handlers that rethrow every uncaught exception
 * and unhandled rejection, so one forgotten promise anywhere in the thread kills it (and prints the whole
 * minified glue). Remove whatever handlers appeared while the backend started; the host's own stay.
 */
function removeHandlersAddedSince(before: ProcessHandlers): void {
  const after = processHandlers();
  for (const listener of after.uncaughtException) {
    if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
  }
  for (const listener of after.unhandledRejection) {
    if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
  }
}

/** Creates a Human instance on the WASM backend and loads its models. One per thread. */
export async function loadHuman(overrides: DeepPartial<Config> = {}): Promise<Human> {
  const before = processHandlers();
  const entry = require.resolve('@vladmandic/human');
  const mod = require(path.join(path.dirname(entry), 'human.node-wasm.js')) as HumanModule;
  const human = new mod.Human(baseHumanConfig(overrides));
  if (!loaderRegistered) {
    registerFileModelLoader(human.tf);
    loaderRegistered = true;
  }
  try {
    await human.load();
    await human.tf.ready();
  } finally {
    removeHandlersAddedSince(before);
  }
  return human;
}

/** Turns decoded RGB pixels into the int32 [1,h,w,3] tensor Human expects. The caller disposes it. */
export function rgbToTensor(human: Human, rgb: Uint8Array, width: number, height: number) {
  return human.tf.tensor4d(Int32Array.from(rgb), [1, height, width, 3], 'int32');
}
