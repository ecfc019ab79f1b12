// A z-buffered software rasteriser for textured triangle meshes: perspective-correct barycentric
// interpolation, bilinear texture sampling, per-vertex alpha and shading. Pure TypeScript, no GPU.
import type { RgbImage } from './image.js';

/** What the rasteriser draws into: colour and coverage of the nearest fragment per pixel. */
export interface Layer {
  width: number;
  height: number;
  /** Linear RGB 0..255 of the nearest fragment, 3 per pixel. */
  color: Float32Array;
  /** Opacity 0..1 of the nearest fragment. */
  alpha: Float32Array;
  /** 1/depth of the nearest fragment (0 = nothing drawn). */
  inverseDepth: Float32Array;
  /** Bounds of what has been drawn since the last clear (inclusive), for partial clears and composites. */
  drawn: { minX: number; minY: number; maxX: number; maxY: number };
}

export function createLayer(width: number, height: number): Layer {
  return {
    width,
    height,
    color: new Float32Array(width * height * 3),
    alpha: new Float32Array(width * height),
    inverseDepth: new Float32Array(width * height),
    drawn: { minX: width, minY: height, maxX: -1, maxY: -1 },
  };
}

/** Forgets everything drawn (only the drawn bounds are touched). */
export function clearLayer(layer: Layer): void {
  const { drawn, width } = layer;
  for (let y = drawn.minY; y <= drawn.maxY; y++) {
    layer.alpha.fill(0, y * width + drawn.minX, y * width + drawn.maxX + 1);
    layer.inverseDepth.fill(0, y * width + drawn.minX, y * width + drawn.maxX + 1);
  }
  layer.drawn = { minX: layer.width, minY: layer.height, maxX: -1, maxY: -1 };
}

/** A mesh already projected to the layer: screen x, y in pixels and depth (> 0) per vertex. */
export interface ProjectedMesh {
  screen: Float32Array;
  /** Texture coordinates in texture pixels, 2 per vertex. */
  uv: Float32Array;
  /** Opacity per vertex. */
  alpha: Float32Array;
  /** Brightness multiplier per vertex. */
  shade: Float32Array;
  /**
   * Index triples, wound so that (b−a)×(c−a) points out of the surface: a triangle then faces the camera
   * when its signed screen area (x right, y down) is negative.
   */
  triangles: Uint32Array;
  texture: RgbImage;
  /** Optional second texture, same coordinates, blended in by `blend` (0..1 per vertex). */
  texture2?: RgbImage;
  blend?: Float32Array;
  /** Skip triangles facing away from the camera. */
  cullBackFaces: boolean;
}

/** Bilinear sample of `texture` at continuous pixel coordinates (pixel centres at +0.5), into out[0..2]. */
export function sampleBilinear(texture: RgbImage, u: number, v: number, out: Float32Array): void {
  const { width, height, data } = texture;
  let x = u - 0.5;
  let y = v - 0.5;
  if (x < 0) x = 0;
  if (y < 0) y = 0;
  if (x > width - 1) x = width - 1;
  if (y > height - 1) y = height - 1;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = x0 + 1 < width ? x0 + 1 : x0;
  const y1 = y0 + 1 < height ? y0 + 1 : y0;
  const fx = x - x0;
  const fy = y - y0;
  const i00 = (y0 * width + x0) * 3;
  const i10 = (y0 * width + x1) * 3;
  const i01 = (y1 * width + x0) * 3;
  const i11 = (y1 * width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = (data[i00 + c] ?? 0) * (1 - fx) + (data[i10 + c] ?? 0) * fx;
    const bottom = (data[i01 + c] ?? 0) * (1 - fx) + (data[i11 + c] ?? 0) * fx;
    out[c] = top * (1 - fy) + bottom * fy;
  }
}

/** Draws every triangle of `mesh` into `layer`, keeping the nearest fragment per pixel. */
export function rasterize(layer: Layer, mesh: ProjectedMesh): void {
  const { screen, uv, alpha, shade, triangles, texture } = mesh;
  const { width, height, color, alpha: layerAlpha, inverseDepth } = layer;
  const texel = new Float32Array(3);
  const texel2 = new Float32Array(3);
  const { texture2, blend } = mesh;

  for (let t = 0; t + 2 < triangles.length; t += 3) {
    const a = triangles[t] ?? 0;
    const b = triangles[t + 1] ?? 0;
    const c = triangles[t + 2] ?? 0;
    const ax = screen[a * 3] ?? 0;
    const ay = screen[a * 3 + 1] ?? 0;
    const az = screen[a * 3 + 2] ?? 0;
    const bx = screen[b * 3] ?? 0;
    const by = screen[b * 3 + 1] ?? 0;
    const bz = screen[b * 3 + 2] ?? 0;
    const cx = screen[c * 3] ?? 0;
    const cy = screen[c * 3 + 1] ?? 0;
    const cz = screen[c * 3 + 2] ?? 0;
    if (az <= 0 || bz <= 0 || cz <= 0) continue;
    const area = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay);
    if (area === 0 || (mesh.cullBackFaces && area > 0)) continue;
    const minX = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
    const maxX = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx)));
    const minY = Math.max(0, Math.floor(Math.min(ay, by, cy)));
    const maxY = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy)));
    if (minX > maxX || minY > maxY) continue;
    const drawn = layer.drawn;
    if (minX < drawn.minX) drawn.minX = minX;
    if (minY < drawn.minY) drawn.minY = minY;
    if (maxX > drawn.maxX) drawn.maxX = maxX;
    if (maxY > drawn.maxY) drawn.maxY = maxY;

    // Attributes divided by depth interpolate linearly in screen space.
    const iza = 1 / az;
    const izb = 1 / bz;
    const izc = 1 / cz;
    const ua = (uv[a * 2] ?? 0) * iza;
    const va = (uv[a * 2 + 1] ?? 0) * iza;
    const ub = (uv[b * 2] ?? 0) * izb;
    const vb = (uv[b * 2 + 1] ?? 0) * izb;
    const uc = (uv[c * 2] ?? 0) * izc;
    const vc = (uv[c * 2 + 1] ?? 0) * izc;
    const oa = (alpha[a] ?? 1) * iza;
    const ob = (alpha[b] ?? 1) * izb;
    const oc = (alpha[c] ?? 1) * izc;
    const sa = (shade[a] ?? 1) * iza;
    const sb = (shade[b] ?? 1) * izb;
    const sc = (shade[c] ?? 1) * izc;
    const inverseArea = 1 / area;
    const ba = (blend?.[a] ?? 0) * iza;
    const bb = (blend?.[b] ?? 0) * izb;
    const bc = (blend?.[c] ?? 0) * izc;
    const blended = texture2 !== undefined && (ba > 0 || bb > 0 || bc > 0);

    for (let y = minY; y <= maxY; y++) {
      const py = y + 0.5;
      for (let x = minX; x <= maxX; x++) {
        const px = x + 0.5;
        // Barycentric weights from edge functions.
        const wa = ((bx - px) * (cy - py) - (cx - px) * (by - py)) * inverseArea;
        const wb = ((cx - px) * (ay - py) - (ax - px) * (cy - py)) * inverseArea;
        const wc = 1 - wa - wb;
        if (wa < 0 || wb < 0 || wc < 0) continue;
        const iz = wa * iza + wb * izb + wc * izc;
        const pixel = y * width + x;
        if (iz <= (inverseDepth[pixel] ?? 0)) continue;
        const z = 1 / iz;
        const opacity = (wa * oa + wb * ob + wc * oc) * z;
        if (opacity <= 0.002) continue;
        inverseDepth[pixel] = iz;
        const u = (wa * ua + wb * ub + wc * uc) * z;
        const v = (wa * va + wb * vb + wc * vc) * z;
        sampleBilinear(texture, u, v, texel);
        if (blended) {
          const k = (wa * ba + wb * bb + wc * bc) * z;
          if (k > 0.004) {
            sampleBilinear(texture2, u, v, texel2);
            for (let ch = 0; ch < 3; ch++) texel[ch] = (texel[ch] ?? 0) * (1 - k) + (texel2[ch] ?? 0) * k;
          }
        }
        const light = (wa * sa + wb * sb + wc * sc) * z;
        color[pixel * 3] = (texel[0] ?? 0) * light;
        color[pixel * 3 + 1] = (texel[1] ?? 0) * light;
        color[pixel * 3 + 2] = (texel[2] ?? 0) * light;
        layerAlpha[pixel] = opacity > 1 ? 1 : opacity;
      }
    }
  }
}
