// A textured 3D head built from one photo: the 468-point face mesh, unprojected through the source camera,
// plus a shell of rings around and behind the face oval (hair, ears, jaw, neck) textured from the same photo,
// so that the silhouette and what is hidden change with the pose. The photo minus the head is the backdrop.
import { sourceFocal, unprojectSource } from './camera.js';
import type { FaceSource } from './face-source.js';
import type { RgbImage } from './image.js';
import { boxBlur, dilateMask, inpaint } from './inpaint.js';
import { createLayer, rasterize } from './rasterizer.js';
import { add, cross, dot, mat3Apply, mat3Transpose, normalize, poseFromRotation, scale, sub, type HeadPose, type Mat3, type Vec3 } from './pose.js';
import { headRotation } from './face-source.js';
import { FACE_OVAL, INNER_LIPS, NOSE_TIP } from './face-mesh.js';
import { headOutline } from './outline.js';

/**
 * Shell rings beyond the face oval. Sides and top: `reach` is the share of the head's outline in the photo
 * (hair, ears) where the ring lies as seen from the photo's camera, `back` how far behind the oval point
 * it is (face widths); rings past the outline (reach 0) curve round the back of the head. `inpaint` is how
 * much of the photo under the ring is replaced in the backdrop.
 */
const SIDE_RINGS: ReadonlyArray<{ reach: number; back: number; inpaint: number; textureReach: number; softness: number }> = [
  { reach: 0.4, back: 0.08, inpaint: 1, textureReach: 0.4, softness: 0.1 },
  { reach: 0.8, back: 0.22, inpaint: 1, textureReach: 0.8, softness: 0.35 },
  { reach: 1, back: 0.42, inpaint: 0.3, textureReach: 1, softness: 0.6 },
  { reach: 0, back: 0.64, inpaint: 0, textureReach: 0.93, softness: 0.8 },
  { reach: 0, back: 0.86, inpaint: 0, textureReach: 0.86, softness: 0.8 },
];
/**
 * The shell's texture is a thin band of the photo stretched over the side of the head when it turns:
 * its detail would show as streaks, so the shell takes a blurred copy of the photo (by `softness`).
 */
const SHELL_BLUR = 0.025;
const NECK_SOFTNESS = 0.2;
/** Rings past the outline keep this share of the outline ring's distance from the oval (3D). */
const BACK_RING_REACH = [1, 1, 1, 0.9, 0.45];
/** Under the jaw: down, back and inward (face widths) for the neck, and where the texture comes from. */
const NECK_RINGS: ReadonlyArray<{ down: number; back: number; narrow: number; follow: number; inpaint: number; alpha: number; texture: number }> = [
  { down: 0.02, back: 0.1, narrow: 0.95, follow: 1, inpaint: 1, alpha: 1, texture: 0.1 },
  { down: 0.06, back: 0.28, narrow: 0.85, follow: 1, inpaint: 1, alpha: 1, texture: 0.18 },
  { down: 0.25, back: 0.38, narrow: 0.72, follow: 0.8, inpaint: 1, alpha: 1, texture: 0 },
  { down: 0.5, back: 0.42, narrow: 0.66, follow: 0.5, inpaint: 0.3, alpha: 0.8, texture: 0 },
  // The base of the neck fades into the body left in the backdrop.
  { down: 0.75, back: 0.42, narrow: 0.64, follow: 0.25, inpaint: 0, alpha: 0, texture: 0 },
];
/** How far the head may reach beyond the face outline, face widths: sides (ears, hair) and top (hair). */
const OUTLINE_RANGE = { side: [0.04, 0.22], top: [0.06, 0.42] } as const;
/**
 * Share of the photo's yaw and pitch kept when the subject "faces the camera": nobody faces it exactly,
 * and a head turned in its photo looks worse the further it is rendered from that pose.
 */
const REST_SHARE = 0.35;
/** How far from the photo's own pose a render may go, degrees (beyond it the unseen side shows too much). */
const MAX_YAW_FROM_PHOTO = 32;
const MAX_PITCH_FROM_PHOTO = 28;
/** Nose tip ahead of the cheek points 234/454, face widths, in MediaPipe's canonical face. */
const CANONICAL_NOSE_DEPTH = 0.65;

/** Direction toward the key light, image axes (toward the camera, up, a little to the right). */
export const LIGHT_DIRECTION: Vec3 = normalize([0.25, -0.5, -1]);

export interface HeadReach {
  left: number;
  right: number;
  up: number;
  down: number;
}

export interface HeadModel {
  id: string;
  texture: RgbImage;
  /** The photo with the head removed (the rest of the body and the room stay). */
  backdrop: RgbImage;
  vertexCount: number;
  /** Positions relative to the pivot in head axes (x right, y down, z toward the back), world units. */
  positions: Float32Array;
  normals: Float32Array;
  /** Texture coordinates, source pixels. */
  uv: Float32Array;
  alpha: Float32Array;
  /** A blurred copy of the texture, and how much of it each vertex shows (0..1). */
  softTexture: RgbImage;
  softness: Float32Array;
  /** 1 where the surface fades out at grazing angles (the shell, whose outline is only a guess), else 0. */
  fade: Float32Array;
  /** Share of the head's rotation a vertex follows: 1 for the skull, less toward the base of the neck. */
  follow: Float32Array;
  /** Lambert term of each vertex under LIGHT_DIRECTION in the photo's pose, to relight as the head turns. */
  sourceLight: Float32Array;
  triangles: Uint32Array;
  /** Where the photo shows the rotation centre, world units (camera at the origin). */
  pivot: Vec3;
  /** Head axes in the photo (columns), image axes. */
  sourceRotation: Mat3;
  /** The pose this person takes when asked to face the camera; moves are made relative to it. */
  restPose: HeadPose;
  /** How far from the rest pose the head renders well in each direction, degrees. */
  reach: HeadReach;
  /** Cheek-to-cheek width, world units. */
  faceWidth: number;
  sourceWidth: number;
  sourceHeight: number;
}

function at(points: readonly Vec3[], index: number): Vec3 {
  const p = points[index];
  if (!p) throw new RangeError(`no vertex ${index}`);
  return p;
}

const models = new WeakMap<FaceSource, HeadModel>();

/** Builds (once per source) the head model of `source`. */
export function buildHeadModel(source: FaceSource): HeadModel {
  const cached = models.get(source);
  if (cached) return cached;
  const model = createHeadModel(source);
  models.set(source, model);
  return model;
}

function createHeadModel(source: FaceSource): HeadModel {
  const { width: sw, height: sh } = source.image;
  const focal = sourceFocal(sw);
  const zRef = (at(source.mesh, 234)[2] + at(source.mesh, 454)[2]) / 2;
  // Unproject: the photo's x, y are where each point was seen; z says how far behind the cheek plane it is.
  // The mesh model's depth is only roughly scaled, so it is set to the canonical face's nose depth.
  let depthScale = 1;
  let world: Vec3[] = [];
  let rotation = source.rotation;
  for (let pass = 0; pass < 3; pass++) {
    world = source.mesh.map((p) => unprojectSource(sw, sh, p[0], p[1], focal + (p[2] - zRef) * depthScale));
    rotation = headRotation(world);
    const inverse = mat3Transpose(rotation);
    const local = (i: number) => mat3Apply(inverse, at(world, i));
    const noseDepth = (local(234)[2] + local(454)[2]) / 2 - local(NOSE_TIP)[2];
    const width = Math.hypot(...sub(at(world, 454), at(world, 234)));
    depthScale = Math.min(1.6, Math.max(0.6, (depthScale * CANONICAL_NOSE_DEPTH * width) / Math.max(1, noseDepth)));
  }
  const inverse = mat3Transpose(rotation);
  const faceWidth = Math.hypot(...sub(at(world, 454), at(world, 234)));
  const cheeks = scale(add(at(world, 234), at(world, 454)), 0.5);
  const pivot = add(cheeks, mat3Apply(rotation, [0, 0.12 * faceWidth, 0.15 * faceWidth]));

  const positions: Vec3[] = world.map((p) => mat3Apply(inverse, sub(p, pivot)));
  // Where the photo shows a head-frame point.
  const toUv = (p: Vec3): [number, number] => {
    const seen = add(pivot, mat3Apply(rotation, p));
    return [sw / 2 + (focal * seen[0]) / seen[2], sh / 2 + (focal * seen[1]) / seen[2]];
  };

  const uv: Array<[number, number]> = source.mesh.map((p) => [p[0], p[1]]);
  const alpha: number[] = positions.map(() => 1);
  const fade: number[] = positions.map(() => 0);
  const softness: number[] = positions.map(() => 0);
  const follow: number[] = positions.map(() => 1);
  const inpaintWeight: number[] = positions.map(() => 1);
  const triangles: number[] = [...source.triangulation];

  // The face mesh leaves the mouth open: close it, so that teeth in the photo turn with the head.
  const mouth = INNER_LIPS.map((i) => at(positions, i));
  const mouthIndex = positions.length;
  positions.push(scale(mouth.reduce((sum, p) => add(sum, p), [0, 0, 0] as Vec3), 1 / mouth.length));
  uv.push(toUv(at(positions, mouthIndex)));
  alpha.push(1);
  fade.push(0);
  softness.push(0);
  follow.push(1);
  inpaintWeight.push(1);
  INNER_LIPS.forEach((a, i) => {
    const b = INNER_LIPS[(i + 1) % INNER_LIPS.length];
    if (b !== undefined) triangles.push(a, b, mouthIndex);
  });

  // Shell rings around the oval, out to where the photo shows the head ending.
  const oval = FACE_OVAL.map((i) => at(positions, i));
  const centre = scale(oval.reduce((sum, p) => add(sum, p), [0, 0, 0] as Vec3), 1 / oval.length);
  const uvCentre = toUv(centre);
  const downInPhoto = normalize([rotation[1], rotation[4], 0]);
  const ovalUv = FACE_OVAL.map((i) => uv[i] ?? uvCentre);
  const outward = ovalUv.map((q) => normalize([q[0] - uvCentre[0], q[1] - uvCentre[1], 0]));
  const rays = ovalUv.map((origin, i) => {
    const d = outward[i] ?? [0, -1, 0];
    const up = Math.max(0, -d[1]);
    const range = up > 0.7 ? OUTLINE_RANGE.top : OUTLINE_RANGE.side;
    return { origin, direction: [d[0], d[1]] as [number, number], min: range[0] * faceWidth, max: range[1] * faceWidth };
  });
  const outline = headOutline(source.image, rays);
  const outlineReach: number[] = oval.map(() => 0);
  const neckReach: number[] = oval.map(() => 0);
  let inner = [...FACE_OVAL];
  SIDE_RINGS.forEach((side, k) => {
    const neck = NECK_RINGS[k];
    if (!neck) return;
    const ring: number[] = [];
    oval.forEach((p, i) => {
      const origin = ovalUv[i] ?? uvCentre;
      const d = outward[i] ?? [0, 0, 0];
      const extent = outline[i] ?? 0;
      const down = Math.max(0, d[1]) ** 1.5;
      const depth = p[2] + side.back * faceWidth;
      const flat = normalize([p[0] - centre[0], p[1] - centre[1], 0]);
      let sidePoint: Vec3;
      if (side.reach > 0) {
        // Out from the oval along the head's own axes, as far as it takes to be seen at the outline.
        const target = extent * side.reach;
        const seenAt = (t: number) => {
          const q = toUv([p[0] + flat[0] * t, p[1] + flat[1] * t, depth]);
          return (q[0] - origin[0]) * d[0] + (q[1] - origin[1]) * d[1];
        };
        let low = 0;
        let high = OUTLINE_RANGE.top[1] * faceWidth;
        for (let step = 0; step < 24; step++) {
          const mid = (low + high) / 2;
          if (seenAt(mid) < target) low = mid;
          else high = mid;
        }
        sidePoint = [p[0] + flat[0] * low, p[1] + flat[1] * low, depth];
        if (side.reach === 1) outlineReach[i] = low;
      } else {
        const reach = (outlineReach[i] ?? 0) * (BACK_RING_REACH[k] ?? 1);
        sidePoint = [p[0] + flat[0] * reach, p[1] + flat[1] * reach, depth];
      }
      const neckPoint: Vec3 = [
        centre[0] + (p[0] - centre[0]) * neck.narrow,
        p[1] + neck.down * faceWidth,
        p[2] + neck.back * faceWidth,
      ];
      const position = add(scale(sidePoint, 1 - down), scale(neckPoint, down));
      ring.push(positions.length);
      positions.push(position);
      alpha.push(1 - down * (1 - neck.alpha));
      fade.push(1);
      softness.push((side.softness ?? 1) * (1 - down) + NECK_SOFTNESS * down);
      follow.push(1 - down * (1 - neck.follow));
      inpaintWeight.push(side.inpaint * (1 - down) + neck.inpaint * down);

      // Texture: sides and top take the band between the face outline and the head's outline (behind the
      // silhouette, its outer part again); under the jaw, the neck below the chin.
      const projected = toUv(position);
      const sideUv =
        side.reach > 0 ? projected : [origin[0] + d[0] * extent * side.textureReach, origin[1] + d[1] * extent * side.textureReach];
      const projectedReach = (projected[0] - origin[0]) * downInPhoto[0] + (projected[1] - origin[1]) * downInPhoto[1];
      const reachDown = Math.max(neck.texture * faceWidth, projectedReach, (neckReach[i] ?? 0) + 0.04 * faceWidth);
      neckReach[i] = reachDown;
      const neckUv = [origin[0] + downInPhoto[0] * reachDown, origin[1] + downInPhoto[1] * reachDown];
      uv.push([(sideUv[0] ?? 0) * (1 - down) + (neckUv[0] ?? 0) * down, (sideUv[1] ?? 0) * (1 - down) + (neckUv[1] ?? 0) * down]);
    });
    for (let i = 0; i < ring.length; i++) {
      const j = (i + 1) % ring.length;
      const [a, b, c, d] = [inner[i], inner[j], ring[j], ring[i]];
      if (a === undefined || b === undefined || c === undefined || d === undefined) continue;
      triangles.push(a, b, c, a, c, d);
    }
    inner = ring;
  });
  // Close the back of the shell with a fan to one point, so that nothing can be seen through the head.
  const back = scale(
    inner.reduce((sum, i) => add(sum, at(positions, i)), [0, 0, 0] as Vec3),
    1 / inner.length,
  );
  const backUv = inner.reduce<[number, number]>(
    (sum, i) => [sum[0] + (uv[i]?.[0] ?? 0) / inner.length, sum[1] + (uv[i]?.[1] ?? 0) / inner.length],
    [0, 0],
  );
  const backIndex = positions.length;
  positions.push(add(back, [0, 0, 0.1 * faceWidth]));
  uv.push(backUv);
  alpha.push(1);
  fade.push(1);
  softness.push(1);
  follow.push(1);
  inpaintWeight.push(0);
  for (let i = 0; i < inner.length; i++) {
    const a = inner[i];
    const b = inner[(i + 1) % inner.length];
    if (a !== undefined && b !== undefined) triangles.push(a, b, backIndex);
  }

  // Wind every triangle so that (b−a)×(c−a) points away from the middle of the head.
  const middle: Vec3 = [centre[0], centre[1], 0.1 * faceWidth];
  const normals: Vec3[] = positions.map(() => [0, 0, 0]);
  for (let t = 0; t + 2 < triangles.length; t += 3) {
    const [ia, ib, ic] = [triangles[t] ?? 0, triangles[t + 1] ?? 0, triangles[t + 2] ?? 0];
    const [a, b, c] = [at(positions, ia), at(positions, ib), at(positions, ic)];
    let n = cross(sub(b, a), sub(c, a));
    const centroid = scale(add(add(a, b), c), 1 / 3);
    if (dot(n, sub(centroid, middle)) < 0) {
      triangles[t + 1] = ic;
      triangles[t + 2] = ib;
      n = scale(n, -1);
    }
    for (const i of [ia, ib, ic]) normals[i] = add(at(normals, i), n);
  }

  const vertexCount = positions.length;
  const sourceLight = new Float32Array(vertexCount);
  const normalArray = new Float32Array(vertexCount * 3);
  normals.forEach((sum, i) => {
    const n = normalize(sum);
    normalArray.set(n, i * 3);
    const seenNormal = mat3Apply(rotation, n);
    sourceLight[i] = Math.max(0, dot(seenNormal, LIGHT_DIRECTION));
  });

  const model: HeadModel = {
    id: source.id,
    texture: source.image,
    backdrop: source.image,
    vertexCount,
    positions: Float32Array.from(positions.flat()),
    normals: normalArray,
    uv: Float32Array.from(uv.flat()),
    alpha: Float32Array.from(alpha),
    fade: Float32Array.from(fade),
    softTexture: boxBlur(source.image, Math.max(1, Math.round(SHELL_BLUR * faceWidth))),
    softness: Float32Array.from(softness),
    follow: Float32Array.from(follow),
    sourceLight,
    triangles: Uint32Array.from(triangles),
    pivot,
    sourceRotation: rotation,
    restPose: restPoseOf(poseFromRotation(rotation)),
    reach: reachOf(poseFromRotation(rotation)),
    faceWidth,
    sourceWidth: sw,
    sourceHeight: sh,
  };
  model.backdrop = removeHead(model, Float32Array.from(inpaintWeight));
  return model;
}

/** The photo with the head (as the model covers it, grown by a margin) filled in from its surroundings. */
function removeHead(model: HeadModel, inpaintWeight: Float32Array): RgbImage {
  const { sourceWidth: sw, sourceHeight: sh } = model;
  const layer = createLayer(sw, sh);
  const screen = new Float32Array(model.vertexCount * 3);
  for (let i = 0; i < model.vertexCount; i++) {
    const seen = add(model.pivot, mat3Apply(model.sourceRotation, [model.positions[i * 3] ?? 0, model.positions[i * 3 + 1] ?? 0, model.positions[i * 3 + 2] ?? 0]));
    screen[i * 3] = model.uv[i * 2] ?? 0;
    screen[i * 3 + 1] = model.uv[i * 2 + 1] ?? 0;
    screen[i * 3 + 2] = seen[2];
  }
  rasterize(layer, {
    screen,
    uv: model.uv,
    alpha: inpaintWeight,
    shade: new Float32Array(model.vertexCount).fill(1),
    triangles: model.triangles,
    texture: model.texture,
    cullBackFaces: false,
  });
  const mask = new Uint8Array(sw * sh);
  for (let i = 0; i < mask.length; i++) mask[i] = (layer.alpha[i] ?? 0) > 0.5 ? 1 : 0;
  return inpaint(model.texture, dilateMask(mask, sw, sh, Math.max(1, Math.round(0.01 * model.faceWidth))));
}

function restPoseOf(photo: HeadPose): HeadPose {
  return { yaw: photo.yaw * REST_SHARE, pitch: photo.pitch * REST_SHARE, roll: 0 };
}

function reachOf(photo: HeadPose): HeadReach {
  const rest = restPoseOf(photo);
  const yaw = photo.yaw - rest.yaw;
  const pitch = photo.pitch - rest.pitch;
  return {
    left: MAX_YAW_FROM_PHOTO + yaw,
    right: MAX_YAW_FROM_PHOTO - yaw,
    up: MAX_PITCH_FROM_PHOTO + pitch,
    down: MAX_PITCH_FROM_PHOTO - pitch,
  };
}
