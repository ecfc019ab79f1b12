// Per-frame cost of analyseFrame against the bare model call it wraps, measured in the same run:
//   npx tsx bench/engine-frame.ts [iterations]
// Baseline: human.detect on a pre-decoded 640×480 tensor of the same frame (all face models on, as the
// service runs them). Everything analyseFrame adds (JPEG decode, EXIF rotation, downscale, luma,
// sharpness, result shaping) shows in the ratio.
import { loadavg } from 'node:os';
import sharp from 'sharp';
import { analyseFrame, decodeFrame } from '../src/engine/frame-analysis.js';
import { loadHuman, rgbToTensor } from '../src/engine/human.js';

const GRACE_HOPPER = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const iterations = Number(process.argv[2] ?? 15);

async function portraitFrame(width: number, height: number): Promise<Buffer> {
  // The portrait centred on a grey 4:3 frame, re-encoded (drops EXIF) like a webcam JPEG.
  const face = await sharp(GRACE_HOPPER).resize({ height: Math.round(height * 0.8) }).toBuffer({ resolveWithObject: true });
  return sharp({ create: { width, height, channels: 3, background: '#777' } })
    .composite([{ input: face.data, left: Math.round((width - face.info.width) / 2), top: Math.round(height * 0.1) }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function time(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 2; i++) await run(); // warm-up: first calls allocate WASM memory
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

const human = await loadHuman();
const frame640 = await portraitFrame(640, 480);
const frame1280 = await portraitFrame(1280, 960);
const decoded = await decodeFrame(frame640);
const tensor = rgbToTensor(human, decoded.rgb, decoded.width, decoded.height);

const rows: Array<[string, number[]]> = [];
rows.push(['human.detect, pre-decoded 640×480 tensor (baseline)', await time(() => human.detect(tensor))]);
rows.push(['analyseFrame, 640×480 JPEG', await time(() => analyseFrame(human, frame640))]);
rows.push(['analyseFrame, 1280×960 JPEG (scaled to 640)', await time(() => analyseFrame(human, frame1280))]);
rows.push(['decodeFrame only, 1280×960 JPEG', await time(() => decodeFrame(frame1280))]);
// Last: detect's second argument is merged into the instance's config for good.
rows.push(['human.detect without the descriptor (faceres off)', await time(() => human.detect(tensor, { face: { description: { enabled: false } } } as Parameters<typeof human.detect>[1]))]);
tensor.dispose();

const baseline = quantile(rows[0]?.[1] ?? [], 0.5);
process.stdout.write(`engine-frame: ${iterations} iterations after 2 warm-up, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n`);
process.stdout.write(`| case | median ms | p90 ms | × baseline |\n|---|---:|---:|---:|\n`);
for (const [label, samples] of rows) {
  const median = quantile(samples, 0.5);
  process.stdout.write(`| ${label} | ${median.toFixed(1)} | ${quantile(samples, 0.9).toFixed(1)} | ${(median / baseline).toFixed(2)} |\n`);
}
