// Checks an uploaded frame before anything stores it or a model sees it: a JPEG data URI within the
// byte and pixel limits that actually decodes. Anything else is rejected with a reason.
import sharp from 'sharp';
import { LivecheckError } from '../errors.js';

export interface FrameLimits {
  /** Largest decoded JPEG in bytes. */
  maxBytes: number;
  /** Largest width or height in pixels. */
  maxDimension: number;
  minDimension: number;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = { maxBytes: 1_500_000, maxDimension: 1920, minDimension: 64 };

const PREFIX = 'data:image/jpeg;base64,';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface DecodedFrame {
  jpeg: Buffer;
  width: number;
  height: number;
}

export async function decodeFrame(dataUri: string, limits: FrameLimits, label: string): Promise<DecodedFrame> {
  if (!dataUri.startsWith(PREFIX)) {
    throw new LivecheckError('invalid_frame', `${label}: image must be a data URI starting with "${PREFIX}"`);
  }
  const body = dataUri.slice(PREFIX.length);
  const tooLarge = () => new LivecheckError('invalid_frame', `${label}: image is larger than ${limits.maxBytes} bytes`);
  // The encoded length bounds the decoded one: an oversized body is refused before it is decoded.
  if (body.length > Math.ceil((limits.maxBytes * 4) / 3) + 4) throw tooLarge();
  if (!BASE64.test(body)) throw new LivecheckError('invalid_frame', `${label}: image is not valid base64`);
  const jpeg = Buffer.from(body, 'base64');
  // The bound above lets a few bytes over the limit through; the limit is on the JPEG itself.
  if (jpeg.length > limits.maxBytes) throw tooLarge();
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[2] !== 0xff) {
    throw new LivecheckError('invalid_frame', `${label}: image is not a JPEG`);
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    // Header first: the pixel limit is enforced before any full decode (decompression bombs).
    const meta = await sharp(jpeg, { limitInputPixels: limits.maxDimension * limits.maxDimension }).metadata();
    width = meta.width;
    height = meta.height;
  } catch {
    throw new LivecheckError('invalid_frame', `${label}: image could not be read as a JPEG`);
  }
  if (!width || !height || width > limits.maxDimension || height > limits.maxDimension) {
    throw new LivecheckError('invalid_frame', `${label}: image must be at most ${limits.maxDimension}x${limits.maxDimension} pixels`);
  }
  if (width < limits.minDimension || height < limits.minDimension) {
    throw new LivecheckError('invalid_frame', `${label}: image must be at least ${limits.minDimension}x${limits.minDimension} pixels`);
  }
  try {
    // A full decode catches truncated and corrupt files that have a valid header. 'warning', not
    // 'truncated': a header declaring more pixels than the scan carries only raises a warning.
    await sharp(jpeg, { failOn: 'warning', limitInputPixels: limits.maxDimension * limits.maxDimension }).raw().toBuffer();
  } catch {
    throw new LivecheckError('invalid_frame', `${label}: image is truncated or corrupt`);
  }
  return { jpeg, width, height };
}
