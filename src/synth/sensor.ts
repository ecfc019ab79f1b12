// What a cheap webcam adds to a clean render: vignetting, exposure and white-balance drift, sensor noise,
// slight softness and JPEG loss. State carries over between frames, so drift is smooth.
import { createImage, encodeJpeg, type RgbImage } from './image.js';
import { Random, SmoothJitter } from './random.js';

export interface SensorProfile {
  /** Standard deviation of luma noise at full brightness, 0..255 units. */
  noise: number;
  /** JPEG quality, 1..100. */
  jpegQuality: number;
  /** Gaussian blur sigma (pixels) for lens/demosaic softness; 0 for none. */
  softness: number;
  /** Relative brightness drift (auto exposure hunting), e.g. 0.03. */
  exposureDrift: number;
  /** Darkening of the corners, 0..1. */
  vignette: number;
  /** Mean level (0..255, centre-weighted) the auto exposure brings a scene to. */
  exposureTarget: number;
}

/**
 * Auto-exposure gain limits. A webcam meters the scene and brings it toward mid-grey, so a photo taken in
 * a dim room must not pass its darkness straight through (frames at mean luma 45 are what no webcam with
 * auto exposure delivers from a room where a face is visible); it cannot brighten without limit (analog
 * gain, which also raises the noise) and rarely darkens much.
 */
const MIN_EXPOSURE_GAIN = 0.8;
const MAX_EXPOSURE_GAIN = 2.5;

export function randomSensorProfile(random: Random): SensorProfile {
  return {
    noise: random.range(2.5, 5),
    jpegQuality: Math.round(random.range(72, 88)),
    softness: random.range(0.45, 0.8),
    exposureDrift: random.range(0.015, 0.035),
    vignette: random.range(0.08, 0.2),
    exposureTarget: random.range(95, 120),
  };
}

export class WebcamSensor {
  private readonly exposure: SmoothJitter;
  private readonly warmth: SmoothJitter;
  private readonly falloff: Float32Array;
  private readonly balance: [number, number, number];
  private readonly sigmaByLevel = new Float32Array(256);
  /** Settled auto-exposure gain, metered on the first frame (capture starts after the camera settled). */
  private exposureGain: number | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly profile: SensorProfile,
    private readonly random: Random,
  ) {
    this.exposure = new SmoothJitter(random.fork('exposure'), profile.exposureDrift, 0.08);
    this.warmth = new SmoothJitter(random.fork('warmth'), 0.012, 0.08);
    const tint = random.range(-0.03, 0.03);
    this.balance = [1 + tint, 1, 1 - tint];
    for (let v = 0; v < 256; v++) this.sigmaByLevel[v] = profile.noise * (0.35 + 0.65 * Math.sqrt(v / 255));
    this.falloff = new Float32Array(width * height);
    const r2 = (width / 2) ** 2 + (height / 2) ** 2;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const d2 = ((x - width / 2) ** 2 + (y - height / 2) ** 2) / r2;
        this.falloff[y * width + x] = 1 - profile.vignette * d2 * d2 * 0.5 - profile.vignette * d2 * 0.5;
      }
    }
  }

  /** Turns a clean frame (linear RGB floats, 0..255) into what the camera delivers, as 8-bit pixels. */
  capture(frame: Float32Array): RgbImage {
    const { width, height, random } = this;
    const image = createImage(width, height);
    this.exposureGain ??= this.meter(frame);
    const gain = this.exposureGain * (1 + this.exposure.step());
    // Analog gain amplifies the sensor's noise along with the signal.
    const noiseGain = Math.sqrt(Math.max(1, this.exposureGain));
    const warm = this.warmth.step();
    const gr = gain * this.balance[0] * (1 + warm);
    const gg = gain * this.balance[1];
    const gb = gain * this.balance[2] * (1 - warm);
    const data = image.data;
    const noise = gaussianTable();
    const mask = noise.length - 1;
    // A fresh place in the shared table per frame: noise differs frame to frame, one draw instead of millions.
    let k = random.int(noise.length);
    const sigmaByLevel = this.sigmaByLevel;
    for (let i = 0; i < width * height; i++) {
      const light = this.falloff[i] ?? 1;
      const r = (frame[i * 3] ?? 0) * gr * light;
      const g = (frame[i * 3 + 1] ?? 0) * gg * light;
      const b = (frame[i * 3 + 2] ?? 0) * gb * light;
      const level = (r + g + b) / 3;
      // Shot noise grows with the signal.
      const sigma = (sigmaByLevel[level <= 0 ? 0 : level >= 255 ? 255 : level | 0] ?? 0) * noiseGain;
      const luma = (noise[k & mask] ?? 0) * sigma;
      const chroma = sigma * 0.5;
      const ro = r + luma + (noise[(k + 1) & mask] ?? 0) * chroma;
      const go = g + luma;
      const bo = b + luma + (noise[(k + 2) & mask] ?? 0) * chroma;
      data[i * 3] = ro < 0 ? 0 : ro > 255 ? 255 : ro + 0.5;
      data[i * 3 + 1] = go < 0 ? 0 : go > 255 ? 255 : go + 0.5;
      data[i * 3 + 2] = bo < 0 ? 0 : bo > 255 ? 255 : bo + 0.5;
      k += 3;
    }
    return image;
  }

  /** Auto-exposure gain for a scene: its centre-weighted mean level brought to the profile's target. */
  private meter(frame: Float32Array): number {
    const { width, height } = this;
    let sum = 0;
    let weights = 0;
    // Every 4th pixel each way is plenty for a mean; the centre (where the face is) counts most.
    for (let y = 0; y < height; y += 4) {
      for (let x = 0; x < width; x += 4) {
        const i = y * width + x;
        const d2 = ((x - width / 2) / (width / 2)) ** 2 + ((y - height / 2) / (height / 2)) ** 2;
        const w = d2 < 0.25 ? 3 : 1;
        sum += w * ((frame[i * 3] ?? 0) + (frame[i * 3 + 1] ?? 0) + (frame[i * 3 + 2] ?? 0)) / 3;
        weights += w;
      }
    }
    const level = sum / Math.max(1, weights);
    if (level <= 0) return MAX_EXPOSURE_GAIN;
    return Math.min(MAX_EXPOSURE_GAIN, Math.max(MIN_EXPOSURE_GAIN, this.profile.exposureTarget / level));
  }

  encode(image: RgbImage): Promise<Buffer> {
    return encodeJpeg(image, this.profile.jpegQuality, this.profile.softness);
  }
}


let table: Float32Array | undefined;

/** 2^20 standard normal deviates from a fixed seed, shared by every sensor (deterministic). */
function gaussianTable(): Float32Array {
  if (!table) {
    const random = new Random(0x5eed);
    table = new Float32Array(1 << 20);
    for (let i = 0; i < table.length; i++) table[i] = random.normal();
  }
  return table;
}
