// A contact sheet of a session's frames (thumbnails in a grid, each labelled with t and step), for looking
// at what the generator made. Written outside the repository only.
import sharp from 'sharp';
import type { SessionFrame } from './session.js';

export interface ContactSheetOptions {
  columns?: number;
  thumbWidth?: number;
  /** Show every n-th frame. */
  every?: number;
}

export async function contactSheet(frames: readonly SessionFrame[], options: ContactSheetOptions = {}): Promise<Buffer> {
  const columns = options.columns ?? 8;
  const thumbWidth = options.thumbWidth ?? 200;
  const every = Math.max(1, options.every ?? 1);
  const chosen = frames.filter((_, i) => i % every === 0);
  if (chosen.length === 0) throw new RangeError('no frames for the contact sheet');
  const first = await sharp(chosen[0]?.jpeg).metadata();
  const thumbHeight = Math.round((thumbWidth * (first.height ?? 3)) / (first.width ?? 4));
  const labelHeight = 16;
  const rows = Math.ceil(chosen.length / columns);
  const tiles = await Promise.all(
    chosen.map(async (frame, i) => {
      const label = Buffer.from(
        `<svg width="${thumbWidth}" height="${labelHeight}"><rect width="100%" height="100%" fill="#000"/>` +
          `<text x="4" y="12" font-family="sans-serif" font-size="11" fill="#fff">t=${frame.t} step=${frame.step}</text></svg>`,
      );
      const thumb = await sharp(frame.jpeg).resize(thumbWidth, thumbHeight).toBuffer();
      const x = (i % columns) * thumbWidth;
      const y = Math.floor(i / columns) * (thumbHeight + labelHeight);
      return [
        { input: thumb, left: x, top: y },
        { input: label, left: x, top: y + thumbHeight },
      ];
    }),
  );
  return sharp({
    create: { width: columns * thumbWidth, height: rows * (thumbHeight + labelHeight), channels: 3, background: '#222' },
  })
    .composite(tiles.flat())
    .png()
    .toBuffer();
}
