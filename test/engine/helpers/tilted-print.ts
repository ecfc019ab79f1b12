// Renders a photo as a flat print turned in front of a pinhole camera: the planar attack the parallax
// check exists for. Pure JS over raw RGB, so the warp is exact (sharp only has affine transforms).
import sharp from 'sharp';

const RAD = Math.PI / 180;

/**
 * The print fills the frame at 0°, is turned by `yaw` degrees about its vertical axis and `pitch` about its
 * horizontal axis, and is seen by a camera with a horizontal field of view of `fovDeg`.
 */
export async function tiltedPrint(jpeg: Buffer, yaw: number, pitch: number, fovDeg = 55): Promise<Buffer> {
  const { data, info } = await sharp(jpeg).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = info;
  const f = w / 2 / Math.tan((fovDeg / 2) * RAD);
  const distance = f; // plane at depth f: one source pixel = one image pixel at 0°
  const cy = Math.cos(yaw * RAD);
  const sy = Math.sin(yaw * RAD);
  const cp = Math.cos(pitch * RAD);
  const sp = Math.sin(pitch * RAD);
  // Plane axes: R = Ry(yaw)·Rx(pitch) applied to x̂ and ŷ.
  const e1 = [cy, 0, -sy];
  const e2 = [sy * sp, cp, cy * sp];
  const out = Buffer.alloc(w * h * 3);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      const r = [(u - w / 2) / f, (v - h / 2) / f, 1];
      // Solve s·e1 + t·e2 − λ·r = −C with C = (0, 0, distance), by Cramer's rule.
      const m = [
        [e1[0] ?? 0, e2[0] ?? 0, -(r[0] ?? 0)],
        [e1[1] ?? 0, e2[1] ?? 0, -(r[1] ?? 0)],
        [e1[2] ?? 0, e2[2] ?? 0, -(r[2] ?? 0)],
      ];
      const rhs = [0, 0, -distance];
      const det = det3(m);
      if (Math.abs(det) < 1e-9) continue;
      const s = det3(replaceColumn(m, 0, rhs)) / det;
      const t = det3(replaceColumn(m, 1, rhs)) / det;
      const x = s + w / 2;
      const y = t + h / 2;
      if (x < 0 || y < 0 || x > w - 1 || y > h - 1) continue;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const fx = x - x0;
      const fy = y - y0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number): number => data[(yy * w + xx) * 3 + c] ?? 0;
        const top = p(y0, x0) * (1 - fx) + p(y0, x1) * fx;
        const bottom = p(y1, x0) * (1 - fx) + p(y1, x1) * fx;
        out[(v * w + u) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return sharp(out, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

function det3(m: number[][]): number {
  const [a, b, c] = m;
  if (!a || !b || !c) return 0;
  const [a0 = 0, a1 = 0, a2 = 0] = a;
  const [b0 = 0, b1 = 0, b2 = 0] = b;
  const [c0 = 0, c1 = 0, c2 = 0] = c;
  return a0 * (b1 * c2 - b2 * c1) - a1 * (b0 * c2 - b2 * c0) + a2 * (b0 * c1 - b1 * c0);
}

function replaceColumn(m: number[][], column: number, values: number[]): number[][] {
  return m.map((row, i) => row.map((v, j) => (j === column ? (values[i] ?? 0) : v)));
}
