// RGB pixel buffers and their conversions through sharp (decode, JPEG encode, resize, blur).
import sharp from 'sharp';

/** 8-bit RGB pixels, row-major, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export function createImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

function rawInput(image: RgbImage) {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

async function toRgb(pipeline: sharp.Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Decodes an image file or buffer; EXIF orientation is applied and metadata dropped. */
export function decodeImage(input: string | Buffer): Promise<RgbImage> {
  return toRgb(sharp(input).rotate());
}

/** Encodes as baseline JPEG with 4:2:0 chroma, as webcams and browsers do; carries no metadata. */
export function encodeJpeg(image: RgbImage, quality: number, blurSigma = 0): Promise<Buffer> {
  let pipeline = rawInput(image);
  if (blurSigma >= 0.3) pipeline = pipeline.blur(blurSigma);
  return pipeline.jpeg({ quality: Math.round(quality), chromaSubsampling: '4:2:0' }).toBuffer();
}

export function encodePng(image: RgbImage): Promise<Buffer> {
  return rawInput(image).png().toBuffer();
}

/** Scales to cover width×height and crops the centre, as the generator's camera does. */
export function resizeImage(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  return toRgb(rawInput(image).resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }));
}

export function blurImage(image: RgbImage, sigma: number): Promise<RgbImage> {
  return toRgb(rawInput(image).blur(sigma));
}

/**
 * Cuts `region` (which may reach outside the image) and scales it to width×height.
 * Parts outside the image are filled by mirroring its edges.
 */
export async function cropRegion(
  input: string | Buffer,
  region: { left: number; top: number; width: number; height: number },
  width: number,
  height: number,
): Promise<RgbImage> {
  const source = await decodeImage(input);
  const left = Math.round(region.left);
  const top = Math.round(region.top);
  const right = Math.round(region.left + region.width);
  const bottom = Math.round(region.top + region.height);
  const pad = {
    left: Math.max(0, -left),
    top: Math.max(0, -top),
    right: Math.max(0, right - source.width),
    bottom: Math.max(0, bottom - source.height),
  };
  const padded = await toRgb(rawInput(source).extend({ ...pad, extendWith: 'mirror' }));
  const cut = rawInput(padded).extract({
    left: left + pad.left,
    top: top + pad.top,
    width: right - left,
    height: bottom - top,
  });
  return toRgb(cut.resize(width, height, { fit: 'fill', kernel: 'lanczos3' }));
}
