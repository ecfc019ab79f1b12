// Fills masked pixels from their surroundings (pull–push: average down a pyramid, fill back up), so that
// removing a head leaves a smooth, plausible patch of background instead of a hole.
import type { RgbImage } from './image.js';

interface Level {
  width: number;
  height: number;
  /** Premultiplied colour sums and weights. */
  color: Float32Array;
  weight: Float32Array;
}

/** Returns a copy of `image` whose pixels with mask > 0 are replaced by a smooth fill from the unmasked ones. */
export function inpaint(image: RgbImage, mask: Uint8Array): RgbImage {
  const { width, height, data } = image;
  const base: Level = { width, height, color: new Float32Array(width * height * 3), weight: new Float32Array(width * height) };
  for (let i = 0; i < width * height; i++) {
    if ((mask[i] ?? 0) > 0) continue;
    base.weight[i] = 1;
    for (let c = 0; c < 3; c++) base.color[i * 3 + c] = data[i * 3 + c] ?? 0;
  }
  const levels: Level[] = [base];
  let current = base;
  while (current.width > 1 || current.height > 1) {
    current = downsample(current);
    levels.push(current);
  }
  // Push: each level's empty (or weak) pixels take the coarser level's colour.
  for (let l = levels.length - 2; l >= 0; l--) {
    const fine = levels[l];
    const coarse = levels[l + 1];
    if (!fine || !coarse) continue;
    for (let y = 0; y < fine.height; y++) {
      for (let x = 0; x < fine.width; x++) {
        const i = y * fine.width + x;
        const w = Math.min(1, fine.weight[i] ?? 0);
        if (w >= 1) continue;
        const fill = sampleLevel(coarse, (x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5);
        const own = fine.weight[i] ?? 0;
        for (let c = 0; c < 3; c++) {
          const mine = own > 0 ? (fine.color[i * 3 + c] ?? 0) / own : 0;
          fine.color[i * 3 + c] = w * mine + (1 - w) * (fill[c] ?? 0);
        }
        fine.weight[i] = 1;
      }
    }
    // Colours are now plain (not premultiplied) with weight 1.
  }
  const out: RgbImage = { width, height, data: new Uint8Array(data) };
  for (let i = 0; i < width * height; i++) {
    if ((mask[i] ?? 0) === 0) continue;
    for (let c = 0; c < 3; c++) out.data[i * 3 + c] = Math.max(0, Math.min(255, Math.round(base.color[i * 3 + c] ?? 0)));
  }
  return out;
}

function downsample(level: Level): Level {
  const width = Math.max(1, Math.ceil(level.width / 2));
  const height = Math.max(1, Math.ceil(level.height / 2));
  const out: Level = { width, height, color: new Float32Array(width * height * 3), weight: new Float32Array(width * height) };
  for (let y = 0; y < level.height; y++) {
    for (let x = 0; x < level.width; x++) {
      const i = y * level.width + x;
      const o = (y >> 1) * width + (x >> 1);
      out.weight[o] = (out.weight[o] ?? 0) + (level.weight[i] ?? 0) / 4;
      for (let c = 0; c < 3; c++) out.color[o * 3 + c] = (out.color[o * 3 + c] ?? 0) + (level.color[i * 3 + c] ?? 0) / 4;
    }
  }
  return out;
}

/** Bilinear sample of a level whose colours are plain (weight 1 everywhere after the push pass). */
function sampleLevel(level: Level, x: number, y: number): [number, number, number] {
  const cx = Math.max(0, Math.min(level.width - 1, x));
  const cy = Math.max(0, Math.min(level.height - 1, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(level.width - 1, x0 + 1);
  const y1 = Math.min(level.height - 1, y0 + 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const out = [0, 0, 0];
  const corners: Array<[number, number, number]> = [
    [x0, y0, (1 - fx) * (1 - fy)],
    [x1, y0, fx * (1 - fy)],
    [x0, y1, (1 - fx) * fy],
    [x1, y1, fx * fy],
  ];
  for (const [px, py, k] of corners) {
    const i = py * level.width + px;
    const w = level.weight[i] ?? 0;
    for (let c = 0; c < 3; c++) out[c] = (out[c] ?? 0) + (w > 0 ? (k * (level.color[i * 3 + c] ?? 0)) / w : 0);
  }
  return [out[0] ?? 0, out[1] ?? 0, out[2] ?? 0];
}

/** Grows a binary mask by `radius` pixels (square neighbourhood, separable running sums). */
export function dilateMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const horizontal = new Uint8Array(mask.length);
  const prefix = new Int32Array(Math.max(width, height) + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) prefix[x + 1] = (prefix[x] ?? 0) + ((mask[y * width + x] ?? 0) > 0 ? 1 : 0);
    for (let x = 0; x < width; x++) {
      const hits = (prefix[Math.min(width, x + radius + 1)] ?? 0) - (prefix[Math.max(0, x - radius)] ?? 0);
      horizontal[y * width + x] = hits > 0 ? 1 : 0;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) prefix[y + 1] = (prefix[y] ?? 0) + (horizontal[y * width + x] ?? 0);
    for (let y = 0; y < height; y++) {
      const hits = (prefix[Math.min(height, y + radius + 1)] ?? 0) - (prefix[Math.max(0, y - radius)] ?? 0);
      out[y * width + x] = hits > 0 ? 1 : 0;
    }
  }
  return out;
}

/** Approximately Gaussian blur: three passes of a separable box filter of the given radius. */
export function boxBlur(image: RgbImage, radius: number): RgbImage {
  const { width, height } = image;
  const current = Float32Array.from(image.data);
  const scratch = new Float32Array(current.length);
  for (let pass = 0; pass < 3; pass++) {
    blurLines(current, scratch, width, height, 3, width * 3, radius);
    blurLines(scratch, current, height, width, width * 3, 3, radius);
  }
  const out: RgbImage = { width, height, data: new Uint8Array(current.length) };
  for (let i = 0; i < current.length; i++) out.data[i] = Math.round(current[i] ?? 0);
  return out;
}

/** Running-mean filter along `count`-long lines (step `step`), lines `stride` apart, clamped at the ends. */
function blurLines(src: Float32Array, dst: Float32Array, count: number, lines: number, step: number, stride: number, radius: number): void {
  const size = 2 * radius + 1;
  for (let line = 0; line < lines; line++) {
    for (let c = 0; c < 3; c++) {
      const base = line * stride + c;
      const at = (i: number) => src[base + Math.min(count - 1, Math.max(0, i)) * step] ?? 0;
      let sum = 0;
      for (let i = -radius; i <= radius; i++) sum += at(i);
      for (let i = 0; i < count; i++) {
        dst[base + i * step] = sum / size;
        sum += at(i + radius + 1) - at(i - radius);
      }
    }
  }
}
