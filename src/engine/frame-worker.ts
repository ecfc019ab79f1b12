// worker_threads entry: loads Human once, then analyses one frame per message. Started by analyzer-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from './errors.js';
import { analyseFrame } from './frame-analysis.js';
import { type Human, loadHuman } from './human.js';
import type { FrameJob, FrameWorkerData, FrameWorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('frame-worker.ts must run as a worker thread (see analyzer-pool.ts)');
const { limits } = workerData as FrameWorkerData;

function send(message: FrameWorkerMessage): void {
  port?.postMessage(message);
}

async function answer(human: Human, job: FrameJob): Promise<void> {
  try {
    const jpeg = Buffer.from(job.jpeg.buffer, job.jpeg.byteOffset, job.jpeg.byteLength);
    send({ type: 'result', id: job.id, observation: await analyseFrame(human, jpeg, limits) });
  } catch (error) {
    // One bad frame must not take the worker down: every failure becomes an answer to its job.
    const code = error instanceof EngineError ? error.code : 'analysis_failed';
    send({ type: 'error', id: job.id, code, message: error instanceof Error ? error.message : String(error) });
  }
}

try {
  const human = await loadHuman();
  // The pool sends one job at a time per worker, so answers never interleave.
  port.on('message', (job: FrameJob) => void answer(human, job));
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'start_failed', message: error instanceof Error ? error.message : String(error) });
}
