// Renders scenes into frames: heads and flat cards drawn into a supersampled layer, composited over a
// static backdrop. Camera effects (noise, exposure, JPEG) are applied afterwards by the sensor.
import { createCamera, type Camera } from './camera.js';
import type { HeadModel } from './head-model.js';
import { LIGHT_DIRECTION } from './head-model.js';
import type { RgbImage } from './image.js';
import { clearLayer, createLayer, rasterize, type Layer } from './rasterizer.js';
import { dot, mat3Apply, poseRotation, type HeadPose, type Mat3, type Vec3 } from './pose.js';

export interface HeadPlacement {
  /** Relative to the head's rest pose (see HeadModel.restPose). */
  pose: HeadPose;
  /** Where the head's pivot goes, world units (camera at the origin, z forward). */
  pivot: Vec3;
  /** Size relative to the head in its photo. */
  scale: number;
}

export function restingPlacement(head: HeadModel): HeadPlacement {
  return { pose: { yaw: 0, pitch: 0, roll: 0 }, pivot: head.pivot, scale: 1 };
}

/** Draws `head` at `placement`; the neck follows the head's rotation only in part. */
export function drawHead(layer: Layer, camera: Camera, head: HeadModel, placement: HeadPlacement): void {
  const { vertexCount, positions, normals, follow, sourceLight, fade } = head;
  const screen = new Float32Array(vertexCount * 3);
  const shade = new Float32Array(vertexCount);
  const alpha = new Float32Array(vertexCount);
  const rotations = new Map<number, Mat3>();
  const { pivot } = placement;
  const pose = {
    yaw: placement.pose.yaw + head.restPose.yaw,
    pitch: placement.pose.pitch + head.restPose.pitch,
    roll: placement.pose.roll + head.restPose.roll,
  };
  for (let i = 0; i < vertexCount; i++) {
    const share = Math.round((follow[i] ?? 1) * 100) / 100;
    let rotation = rotations.get(share);
    if (!rotation) {
      rotation = poseRotation({ yaw: pose.yaw * share, pitch: pose.pitch * share, roll: pose.roll * share });
      rotations.set(share, rotation);
    }
    const local = mat3Apply(rotation, [positions[i * 3] ?? 0, positions[i * 3 + 1] ?? 0, positions[i * 3 + 2] ?? 0]);
    const x = pivot[0] + placement.scale * local[0];
    const y = pivot[1] + placement.scale * local[1];
    const z = pivot[2] + placement.scale * local[2];
    screen[i * 3] = camera.cx + (camera.focal * x) / z;
    screen[i * 3 + 1] = camera.cy + (camera.focal * y) / z;
    screen[i * 3 + 2] = z;
    const normal = mat3Apply(rotation, [normals[i * 3] ?? 0, normals[i * 3 + 1] ?? 0, normals[i * 3 + 2] ?? 0]);
    const now = 0.55 + 0.45 * Math.max(0, dot(normal, LIGHT_DIRECTION));
    const then = 0.55 + 0.45 * (sourceLight[i] ?? 0);
    shade[i] = Math.min(1.25, Math.max(0.7, now / then));
    // Soft outline: the shell thins out where it turns away from the line of sight.
    const facing = -(normal[0] * x + normal[1] * y + normal[2] * z) / Math.hypot(x, y, z);
    const soft = (fade[i] ?? 0) > 0 ? smoothstep(0.02, 0.25, facing) : 1;
    alpha[i] = (head.alpha[i] ?? 1) * soft;
  }
  rasterize(layer, {
    screen,
    uv: head.uv,
    alpha,
    shade,
    triangles: head.triangles,
    texture: head.texture,
    texture2: head.softTexture,
    blend: head.softness,
    cullBackFaces: true,
  });
}

/** A flat textured card (print, screen) given by its four world corners: top-left, top-right, bottom-right, bottom-left. */
export function drawCard(layer: Layer, camera: Camera, texture: RgbImage, corners: readonly Vec3[], brightness = 1): void {
  const screen = new Float32Array(12);
  corners.forEach((p, i) => {
    screen[i * 3] = camera.cx + (camera.focal * p[0]) / p[2];
    screen[i * 3 + 1] = camera.cy + (camera.focal * p[1]) / p[2];
    screen[i * 3 + 2] = p[2];
  });
  const { width: w, height: h } = texture;
  rasterize(layer, {
    screen,
    uv: Float32Array.from([0, 0, w, 0, w, h, 0, h]),
    alpha: new Float32Array(4).fill(1),
    shade: new Float32Array(4).fill(brightness),
    triangles: Uint32Array.from([0, 1, 2, 0, 2, 3]),
    texture,
    cullBackFaces: false,
  });
}

/** Composites what is drawn (supersampled `factor`×) over a static backdrop of the output size. */
export class FrameRenderer {
  readonly camera: Camera;
  private readonly layer: Layer;

  constructor(
    readonly width: number,
    readonly height: number,
    sourceWidth: number,
    sourceHeight: number,
    private readonly factor = 2,
  ) {
    this.camera = createCamera(sourceWidth, sourceHeight, width * factor, height * factor);
    this.layer = createLayer(width * factor, height * factor);
  }

  /** Clears the layer, lets `draw` fill it, and returns the frame as linear RGB floats (0..255). */
  render(backdrop: RgbImage, draw: (layer: Layer, camera: Camera) => void): Float32Array {
    const { layer, factor, width, height } = this;
    clearLayer(layer);
    draw(layer, this.camera);
    const out = Float32Array.from(backdrop.data);
    const { drawn } = layer;
    if (drawn.maxX < 0) return out;
    const samples = factor * factor;
    const color = layer.color;
    const coverage = layer.alpha;
    const x0 = Math.floor(drawn.minX / factor);
    const x1 = Math.min(width - 1, Math.floor(drawn.maxX / factor));
    const y0 = Math.floor(drawn.minY / factor);
    const y1 = Math.min(height - 1, Math.floor(drawn.maxY / factor));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let r = 0;
        let g = 0;
        let b = 0;
        let covered = 0;
        for (let sy = 0; sy < factor; sy++) {
          const row = (y * factor + sy) * layer.width + x * factor;
          for (let sx = 0; sx < factor; sx++) {
            const i = row + sx;
            const a = coverage[i] ?? 0;
            if (a === 0) continue;
            covered += a;
            r += a * (color[i * 3] ?? 0);
            g += a * (color[i * 3 + 1] ?? 0);
            b += a * (color[i * 3 + 2] ?? 0);
          }
        }
        if (covered === 0) continue;
        const o = (y * width + x) * 3;
        const keep = 1 - covered / samples;
        out[o] = (out[o] ?? 0) * keep + r / samples;
        out[o + 1] = (out[o + 1] ?? 0) * keep + g / samples;
        out[o + 2] = (out[o + 2] ?? 0) * keep + b / samples;
      }
    }
    return out;
  }
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}
