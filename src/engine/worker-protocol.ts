// Messages between the analyzer pool (main thread) and a frame worker.
import type { EngineErrorCode } from './errors.js';
import type { AnalysisLimits } from './frame-analysis.js';
import type { FrameObservation } from './types.js';

export interface FrameWorkerData {
  limits: AnalysisLimits;
}

/** Main → worker: analyse this JPEG (its ArrayBuffer is transferred). */
export interface FrameJob {
  id: number;
  jpeg: Uint8Array;
}

/** Worker → main. */
export type FrameWorkerMessage =
  | { type: 'ready' }
  | { type: 'start_failed'; message: string }
  | { type: 'result'; id: number; observation: FrameObservation }
  | { type: 'error'; id: number; code: EngineErrorCode; message: string };
