// Real face photos from Debian and npm packages, turned into camera-like frames at run time.
// No image is committed; EXIF (GPS in some samples) is dropped by re-encoding.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

export const GRACE_HOPPER = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';

export function packagePhoto(name: string): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', name);
}

/** The single-face portrait; tells how to install it when missing. */
export function portraitPath(): string {
  if (!existsSync(GRACE_HOPPER)) {
    throw new Error(`missing ${GRACE_HOPPER}: install it with "apt-get install python-matplotlib-data"`);
  }
  return GRACE_HOPPER;
}

/** A 640-wide JPEG of the photo, shifted by (dx, dy) pixels to imitate a hand-held still photo. */
export async function cameraFrame(file: string, dx = 0, dy = 0, width = 640): Promise<Buffer> {
  const base = sharp(file).rotate().resize({ width: width + 40 });
  const meta = await base.clone().toBuffer({ resolveWithObject: true });
  const height = Math.min(480, meta.info.height - 40);
  return sharp(meta.data)
    .extract({ left: 20 + dx, top: 20 + dy, width, height })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export function dataUri(jpeg: Buffer): string {
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}
