// Camera-like frames cut from photos shipped in Debian and npm packages, made at run time (no image is
// committed; re-encoding drops the samples' EXIF, GPS included).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

export const GRACE_HOPPER = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';

export function samplePhoto(n: 1 | 2 | 3 | 4 | 5 | 6): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', `sample${n}.jpg`);
}

export function portraitPath(): string {
  if (!existsSync(GRACE_HOPPER)) throw new Error(`missing ${GRACE_HOPPER}: apt-get install python-matplotlib-data`);
  return GRACE_HOPPER;
}

/** Pixel square around a face in a photo: left, top, side. */
export interface FaceSquare {
  left: number;
  top: number;
  side: number;
}

/** Faces in the face-api samples (1920 px wide), measured once with the models. */
export const SAMPLE_FACES = {
  /** sample4, turned well to its own left (nose toward the image's right edge). */
  turned: { photo: 4, face: { left: 174, top: 191, side: 303 } },
  /** sample3, nearly frontal. */
  frontal: { photo: 3, face: { left: 996, top: 189, side: 368 } },
  /** sample2, head tilted down. */
  lookingDown: { photo: 2, face: { left: 804, top: 187, side: 357 } },
} as const;

/**
 * A 640×480 JPEG with the face centred (then shifted by dx, dy pixels) and `faceFraction` of the frame
 * height tall, optionally mirrored. Only the face and a margin around it are kept, on a grey background,
 * so neighbours in a group photo stay out of the frame.
 */
export async function faceFrame(
  photo: string,
  face: FaceSquare,
  options: { faceFraction?: number; dx?: number; dy?: number; mirror?: boolean; quality?: number; margin?: number } = {},
): Promise<Buffer> {
  const { faceFraction = 0.45, dx = 0, dy = 0, mirror = false, quality = 90, margin = 0.3 } = options;
  const upright = await sharp(photo).rotate().toBuffer({ resolveWithObject: true });
  const pad = Math.round(face.side * margin);
  const left = Math.max(0, face.left - pad);
  const top = Math.max(0, face.top - pad);
  const width = Math.min(upright.info.width - left, face.side + 2 * pad);
  const height = Math.min(upright.info.height - top, face.side + 2 * pad);
  const scale = (480 * faceFraction) / face.side;
  let patch = sharp(upright.data).extract({ left, top, width, height }).resize(Math.round(width * scale), Math.round(height * scale));
  if (mirror) patch = patch.flop();
  const patchBuffer = await patch.toBuffer({ resolveWithObject: true });
  // Where the face centre lands in the patch (mirroring moves it).
  const faceX = (face.left + face.side / 2 - left) * scale;
  const fx = mirror ? patchBuffer.info.width - faceX : faceX;
  const fy = (face.top + face.side / 2 - top) * scale;
  const canvas = sharp({ create: { width: 640 * 3, height: 480 * 3, channels: 3, background: '#777' } });
  const composed = await canvas
    .composite([{ input: patchBuffer.data, left: Math.round(640 + 320 + dx - fx), top: Math.round(480 + 240 + dy - fy) }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(composed.data, { raw: { width: composed.info.width, height: composed.info.height, channels: composed.info.channels } })
    .extract({ left: 640, top: 480, width: 640, height: 480 })
    .removeAlpha()
    .jpeg({ quality })
    .toBuffer();
}

/** The whole photo as a 1280-wide JPEG (group photos: several faces). */
export async function wholePhoto(photo: string, width = 1280): Promise<Buffer> {
  return sharp(photo).rotate().resize({ width }).jpeg({ quality: 85 }).toBuffer();
}

export async function flatFrame(colour: string, width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer();
}
