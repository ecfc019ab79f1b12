// Pixel statistics behind the per-frame feedback: brightness (mean luma) and sharpness (variance of the
// Laplacian). Pure functions over 8-bit buffers so they can be tested without models.

/** Rec. 601 luma of packed 8-bit RGB. */
export function rgbToLuma(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const luma = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < luma.length; i++, p += 3) {
    luma[i] = (299 * (rgb[p] ?? 0) + 587 * (rgb[p + 1] ?? 0) + 114 * (rgb[p + 2] ?? 0) + 500) / 1000;
  }
  return luma;
}

/** Pixel rectangle, integer coordinates, inside the image. */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function meanLuma(luma: Uint8Array, width: number, rect?: PixelRect): number {
  const r = rect ?? { left: 0, top: 0, width, height: luma.length / width };
  if (r.width <= 0 || r.height <= 0) return 0;
  let sum = 0;
  for (let y = r.top; y < r.top + r.height; y++) {
    const row = y * width;
    for (let x = r.left; x < r.left + r.width; x++) sum += luma[row + x] ?? 0;
  }
  return sum / (r.width * r.height);
}

/**
 * Variance of the 4-neighbour Laplacian over a greyscale image. It only compares like with like when the
 * images have the same scale, so callers resample the face to a fixed size first.
 */
export function laplacianVariance(gray: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v =
        (gray[i - width] ?? 0) + (gray[i + width] ?? 0) + (gray[i - 1] ?? 0) + (gray[i + 1] ?? 0) - 4 * (gray[i] ?? 0);
      sum += v;
      sumSq += v * v;
    }
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** Clamps a fractional box to the image and converts it to whole pixels. */
export function boxToPixels(
  box: { left: number; top: number; width: number; height: number },
  width: number,
  height: number,
): PixelRect {
  const left = Math.max(0, Math.min(width - 1, Math.floor(box.left * width)));
  const top = Math.max(0, Math.min(height - 1, Math.floor(box.top * height)));
  const right = Math.max(left + 1, Math.min(width, Math.ceil((box.left + box.width) * width)));
  const bottom = Math.max(top + 1, Math.min(height, Math.ceil((box.top + box.height) * height)));
  return { left, top, width: right - left, height: bottom - top };
}

/** Area-average resample of a greyscale region to size×size (box filter: no aliasing when shrinking). */
export function resampleRegion(gray: Uint8Array, width: number, rect: PixelRect, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  const sx = rect.width / size;
  const sy = rect.height / size;
  for (let oy = 0; oy < size; oy++) {
    const y0 = rect.top + Math.floor(oy * sy);
    const y1 = Math.max(y0 + 1, rect.top + Math.floor((oy + 1) * sy));
    for (let ox = 0; ox < size; ox++) {
      const x0 = rect.left + Math.floor(ox * sx);
      const x1 = Math.max(x0 + 1, rect.left + Math.floor((ox + 1) * sx));
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        const row = y * width;
        for (let x = x0; x < x1; x++) sum += gray[row + x] ?? 0;
      }
      out[oy * size + ox] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return out;
}
