// One JPEG frame → what the face models saw in it (FrameObservation). Runs inside an analysis worker;
// nothing here is shared between frames, so frames can be analysed in any order and on any thread.
import sharp from 'sharp';
import type { FaceResult } from '@vladmandic/human';
import { EngineError } from './errors.js';
import { SHARPNESS_SAMPLE_SIZE, frameFeedback } from './frame-feedback.js';
import { type Human, rgbToTensor } from './human.js';
import { type PixelRect, boxToPixels, laplacianVariance, meanLuma, resampleRegion, rgbToLuma } from './image-quality.js';
import { FACE_LANDMARK_INDICES } from './landmarks.js';
import type { BoundingBox, FaceObservation, FrameObservation } from './types.js';

export interface AnalysisLimits {
  /** Largest decoded image (width × height) accepted; checked from the header, before any decode. */
  maxInputPixels: number;
  /** The frame is scaled down so that its long side is at most this before the models run. */
  maxSide: number;
}

/** 1920² matches the capture layer's largest accepted frame; 640 px keeps a frame near 60 ms on WASM. */
export const DEFAULT_ANALYSIS_LIMITS: AnalysisLimits = { maxInputPixels: 1920 * 1920, maxSide: 640 };

const DEG = 180 / Math.PI;
/** Embedding components are stored rounded: 1e-5 keeps cosine similarities exact to ~1e-6 at half the JSON. */
const EMBEDDING_DECIMALS = 1e5;

/** Decoded, EXIF-rotated, downscaled RGB pixels. */
export interface DecodedFrame {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Size of the frame after EXIF rotation and before downscaling; observations are reported in it. */
  sourceWidth: number;
  sourceHeight: number;
}

export async function decodeFrame(jpeg: Buffer, limits: AnalysisLimits = DEFAULT_ANALYSIS_LIMITS): Promise<DecodedFrame> {
  try {
    const image = sharp(jpeg, { limitInputPixels: limits.maxInputPixels, failOn: 'error' });
    const meta = await image.metadata();
    // Only JPEG: the other decoders sharp carries (SVG, TIFF, …) are attack surface with no use here.
    if (meta.format !== 'jpeg') throw new Error(`expected a JPEG, got ${meta.format}`);
    const { data, info } = await image
      .rotate()
      .resize({ width: limits.maxSide, height: limits.maxSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 colour channels, got ${info.channels}`);
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      sourceWidth: meta.autoOrient.width,
      sourceHeight: meta.autoOrient.height,
    };
  } catch (error) {
    throw new EngineError('invalid_image', `frame could not be decoded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Decodes a JPEG and runs the face models on it. Throws EngineError('invalid_image') for undecodable input. */
export async function analyseFrame(
  human: Human,
  jpeg: Buffer,
  limits: AnalysisLimits = DEFAULT_ANALYSIS_LIMITS,
): Promise<FrameObservation> {
  return analyseDecoded(human, await decodeFrame(jpeg, limits));
}

export async function analyseDecoded(human: Human, frame: DecodedFrame): Promise<FrameObservation> {
  const { rgb, width, height } = frame;
  const input = rgbToTensor(human, rgb, width, height);
  const started = performance.now();
  let results: FaceResult[];
  try {
    const result = await human.detect(input);
    if (result.error) throw new Error(result.error);
    results = result.face;
  } catch (error) {
    throw new EngineError('analysis_failed', `face models failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    input.dispose();
  }
  const inferenceMs = performance.now() - started;

  // Largest face first: with several faces, faces[0] is the one the person most likely means.
  const faces = results
    .map((face) => toFaceObservation(face, frame))
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);

  const luma = rgbToLuma(rgb, width, height);
  const brightness = meanLuma(luma, width);
  const main = faces[0];
  const faceRect = main ? boxToPixels(main.box, width, height) : undefined;
  const faceBrightness = faceRect && faces.length === 1 ? meanLuma(luma, width, faceRect) : undefined;
  const sharpness = regionSharpness(luma, width, faceRect ?? { left: 0, top: 0, width, height });

  return {
    width: frame.sourceWidth,
    height: frame.sourceHeight,
    faces,
    brightness: round(brightness, 10),
    ...(faceBrightness === undefined ? {} : { faceBrightness: round(faceBrightness, 10) }),
    sharpness: round(sharpness, 10),
    feedback: frameFeedback({ faces, brightness, faceBrightness, sharpness }),
    inferenceMs: round(inferenceMs, 10),
  };
}

/**
 * Human's angles come from its mesh (forehead 10, chin 152, contour 234/454) in radians, in the camera's
 * view: its yaw is > 0 when the nose points to the image's LEFT and its pitch > 0 when the head tilts DOWN.
 * Both are negated here to get the subject-frame convention of types.ts. How that was established, on the
 * 22 faces of the face-api samples, each cropped and also mirrored:
 *  - mirroring a crop negates Human's yaw (e.g. +24.1° → −31.2°) and leaves its pitch within a few degrees;
 *  - on every clearly turned face the sign of Human's yaw is opposite to the nose tip's offset from the
 *    midpoint of the two contour points (nose toward the image's right edge ⇒ Human yaw < 0), and the crops
 *    agree by eye (sample4, face turned toward the image's right: Human yaw −25.5°);
 *  - faces visibly tilted down (one in sample2, one in sample6) read Human pitch +21° and +17°, a face with
 *    the chin raised (sample5) −7°;
 *  - roll is kept as is: sharp.rotate(+20°) (clockwise) gives Human roll +17°, so roll > 0 = clockwise.
 * test/engine/frame-analysis.test.ts repeats the mirror, nose-offset and tilted-down checks. Magnitudes are
 * approximate (an estimate from the mesh's contour depth differs by up to ~10° on strongly rolled faces),
 * which is why the challenge thresholds leave margin.
 */
function toFaceObservation(face: FaceResult, frame: DecodedFrame): FaceObservation {
  const [x, y, w, h] = face.boxRaw;
  const angle = face.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
  const observation: FaceObservation = {
    box: clampBox({ left: x, top: y, width: w, height: h }),
    score: round(face.score, 1000),
    yaw: round(-angle.yaw * DEG, 10),
    pitch: round(-angle.pitch * DEG, 10),
    roll: round(angle.roll * DEG, 10),
  };
  if (typeof face.real === 'number') observation.real = round(face.real, 1000);
  if (typeof face.live === 'number') observation.live = round(face.live, 1000);
  const embedding = normalise(face.embedding ?? []);
  if (embedding.length > 0) observation.embedding = embedding.map((v) => round(v, EMBEDDING_DECIMALS));
  const landmarks = pickLandmarks(face, frame);
  if (landmarks) observation.landmarks = landmarks;
  return observation;
}

function pickLandmarks(face: FaceResult, frame: DecodedFrame): Array<[number, number, number]> | undefined {
  if (face.mesh.length < 468) return undefined;
  // The mesh is in the analysed (downscaled) image's pixels; report in the source frame's pixels. z shares x's scale.
  const scale = frame.sourceWidth / frame.width;
  const points: Array<[number, number, number]> = [];
  for (const index of FACE_LANDMARK_INDICES) {
    const point = face.mesh[index];
    if (!point) return undefined;
    points.push([round(point[0] * scale, 10), round(point[1] * scale, 10), round((point[2] ?? 0) * scale, 10)]);
  }
  return points;
}

/** Laplacian variance of a region resampled to a fixed square, so faces of any size compare. */
function regionSharpness(luma: Uint8Array, width: number, rect: PixelRect): number {
  if (rect.width < 3 || rect.height < 3) return 0;
  const size = SHARPNESS_SAMPLE_SIZE;
  return laplacianVariance(resampleRegion(luma, width, rect, size), size, size);
}

function clampBox(box: BoundingBox): BoundingBox {
  const left = clamp01(box.left);
  const top = clamp01(box.top);
  return {
    left: round(left, 1e4),
    top: round(top, 1e4),
    width: round(clamp01(box.left + box.width) - left, 1e4),
    height: round(clamp01(box.top + box.height) - top, 1e4),
  };
}

function normalise(vector: readonly number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  return norm > 0 ? vector.map((v) => v / norm) : [];
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function round(value: number, factor: number): number {
  return Math.round(value * factor) / factor;
}
