// Where the head (hair, ears) ends around the face in the photo, direction by direction: the strongest
// colour change along rays from the face outline outward (a two-segment fit per ray), smoothed around.
import type { RgbImage } from './image.js';
import { sampleBilinear } from './rasterizer.js';

export interface OutlineRay {
  /** Where the ray starts (a face-outline point), photo pixels. */
  origin: [number, number];
  /** Unit direction outward. */
  direction: [number, number];
  /** Search range, pixels from the origin. */
  min: number;
  max: number;
}

/** Distance from each ray's origin to the head's edge, photo pixels. */
export function headOutline(image: RgbImage, rays: readonly OutlineRay[]): number[] {
  const raw = rays.map((ray) => strongestEdge(image, ray));
  return smoothAround(raw, rays);
}

function strongestEdge(image: RgbImage, ray: OutlineRay): number {
  const steps = Math.max(4, Math.ceil(ray.max));
  const texel = new Float32Array(3);
  const profile: number[][] = [];
  const normal = [-ray.direction[1], ray.direction[0]];
  for (let s = 0; s <= steps; s++) {
    const colour = [0, 0, 0];
    // Average across the ray to steady the profile against texture (hair strands, fabric).
    for (const offset of [-2, 0, 2]) {
      const x = ray.origin[0] + ray.direction[0] * s + (normal[0] ?? 0) * offset;
      const y = ray.origin[1] + ray.direction[1] * s + (normal[1] ?? 0) * offset;
      sampleBilinear(image, x, y, texel);
      for (let c = 0; c < 3; c++) colour[c] = (colour[c] ?? 0) + (texel[c] ?? 0) / 3;
    }
    profile.push(colour);
  }
  // Two-segment piecewise-constant fit: the split with the least squared error.
  const n = profile.length;
  const sum = [new Float64Array(n + 1), new Float64Array(n + 1), new Float64Array(n + 1)];
  const sq = new Float64Array(n + 1);
  profile.forEach((colour, i) => {
    let s2 = 0;
    for (let c = 0; c < 3; c++) {
      const v = colour[c] ?? 0;
      const column = sum[c];
      if (column) column[i + 1] = (column[i] ?? 0) + v;
      s2 += v * v;
    }
    sq[i + 1] = (sq[i] ?? 0) + s2;
  });
  const cost = (a: number, b: number): number => {
    const count = b - a;
    if (count <= 0) return 0;
    let total = (sq[b] ?? 0) - (sq[a] ?? 0);
    for (const column of sum) {
      const s = (column[b] ?? 0) - (column[a] ?? 0);
      total -= (s * s) / count;
    }
    return total;
  };
  // Prefer the nearer of comparable edges: hair against a similar background must not pull the outline out.
  const whole = cost(0, n);
  let best = Math.round(ray.min);
  let bestScore = -Infinity;
  for (let split = Math.max(2, Math.round(ray.min)); split <= Math.min(n - 2, Math.round(ray.max)); split++) {
    const score = (whole - cost(0, split) - cost(split, n)) * (1 - (0.5 * split) / n);
    if (score > bestScore) {
      bestScore = score;
      best = split;
    }
  }
  return best;
}

/** Circular median of 7, then mean of 5, clamped to each ray's range. */
function smoothAround(values: readonly number[], rays: readonly OutlineRay[]): number[] {
  const n = values.length;
  const get = (i: number) => values[((i % n) + n) % n] ?? 0;
  const median = values.map((_, i) => {
    const window = [-3, -2, -1, 0, 1, 2, 3].map((k) => get(i + k)).sort((a, b) => a - b);
    return window[3] ?? 0;
  });
  const m = (i: number) => median[((i % n) + n) % n] ?? 0;
  return median.map((_, i) => {
    const ray = rays[i];
    const mean = (m(i - 2) + m(i - 1) + m(i) + m(i + 1) + m(i + 2)) / 5;
    return ray ? Math.min(ray.max, Math.max(ray.min, mean)) : mean;
  });
}
