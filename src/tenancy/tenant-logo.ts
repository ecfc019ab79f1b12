// A tenant's logo, as uploaded through the admin API: a PNG or JPEG data URI. It is decoded and
// drawn again as a fresh PNG, so nothing of the uploaded file survives but its pixels (no metadata,
// no trailing bytes, no second format hiding in it); SVG and everything else are refused.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { LivecheckError } from '../errors.js';

/** Uploaded file size, decoded. */
export const MAX_LOGO_BYTES = 512 * 1024;
/** Refuse decompression bombs before decoding. */
const MAX_INPUT_PIXELS = 4096 * 4096;
/** The page shows the logo at most 48 px tall and 160 px wide; three times that covers dense screens. */
const MAX_WIDTH = 480;
const MAX_HEIGHT = 144;

const DATA_URI = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/]+={0,2})$/;

export interface TenantLogo {
  png: Buffer;
  /** Hex SHA-256 of `png`: the name of its URL. */
  hash: string;
}

export const LOGO_URL_PREFIX = '/branding/logo/';

export function logoUrl(hash: string): string {
  return `${LOGO_URL_PREFIX}${hash}.png`;
}

function invalid(message: string): LivecheckError {
  return new LivecheckError('invalid_request', `logo: ${message}`);
}

export async function normaliseLogo(dataUri: string): Promise<TenantLogo> {
  const match = DATA_URI.exec(dataUri);
  if (!match) throw invalid('send a PNG or JPEG as data:image/png;base64,… or data:image/jpeg;base64,…');
  const declared = match[1] === 'png' ? 'png' : 'jpeg';
  const bytes = Buffer.from(match[2] ?? '', 'base64');
  if (bytes.length > MAX_LOGO_BYTES) throw invalid(`at most ${MAX_LOGO_BYTES / 1024} KB`);
  let metadata: sharp.Metadata;
  try {
    // Reads the header only; the pixel limit is checked below with a clearer message.
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch {
    throw invalid('not a readable image');
  }
  // The bytes must be what the data URI says: no SVG or GIF under a PNG label.
  if (metadata.format !== declared) throw invalid(`the data is ${metadata.format ?? 'not an image'}, not ${declared}`);
  if ((metadata.pages ?? 1) > 1) throw invalid('animated images are not accepted');
  if ((metadata.width ?? 0) * (metadata.height ?? 0) > MAX_INPUT_PIXELS) throw invalid('at most 4096 × 4096 pixels');
  let png: Buffer;
  try {
    png = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: MAX_WIDTH, height: MAX_HEIGHT, fit: 'inside', withoutEnlargement: true })
      .png({ compressionLevel: 9, adaptiveFiltering: true })
      .toBuffer();
  } catch {
    throw invalid('the image could not be decoded');
  }
  return { png, hash: createHash('sha256').update(png).digest('hex') };
}
