// The pinhole camera shared by every generated scene: world units are pixels of the source crop at depth
// `focal`, so a point at that depth projects where the photo shows it.
import type { Vec3 } from './pose.js';

export interface Camera {
  /** Focal length in output pixels. */
  focal: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
  /** Output pixels per world unit at the reference depth (output size / source size). */
  zoom: number;
}

/** Horizontal field of view of a typical laptop webcam, about 55°: focal = 0.95 × width. */
export const FOCAL_PER_WIDTH = 0.95;

/** The reference depth of the source crop (world units = its pixels). */
export function sourceFocal(sourceWidth: number): number {
  return FOCAL_PER_WIDTH * sourceWidth;
}

/** A camera that renders a source-sized world into width×height output pixels, cropping to keep the aspect. */
export function createCamera(sourceWidth: number, sourceHeight: number, width: number, height: number): Camera {
  const zoom = Math.max(width / sourceWidth, height / sourceHeight);
  return { focal: sourceFocal(sourceWidth) * zoom, cx: width / 2, cy: height / 2, width, height, zoom };
}

/** World point (origin on the optical axis at the camera) → output pixel x, y and depth. */
export function project(camera: Camera, point: Vec3): Vec3 {
  const depth = point[2];
  return [camera.cx + (camera.focal * point[0]) / depth, camera.cy + (camera.focal * point[1]) / depth, depth];
}

/** Source pixel (x, y) seen at `depth` → world point, for the source camera (zoom 1). */
export function unprojectSource(sourceWidth: number, sourceHeight: number, x: number, y: number, depth: number): Vec3 {
  const focal = sourceFocal(sourceWidth);
  return [((x - sourceWidth / 2) * depth) / focal, ((y - sourceHeight / 2) * depth) / focal, depth];
}
