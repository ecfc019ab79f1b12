// Offline evaluation of recorded sessions: your own camera data, decided by the same engine.
// Layout: DIR/<species>/<session>/session.json + the frame JPEGs it names, where <species> is
// `bona_fide` or any attack name you choose, and session.json is
//   {"challenge": ["turn_left", …], "frames": [{"file": "000.jpg", "t": 0, "step": -1}, …]}
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createAnalyzerPool } from '../engine/analyzer-pool.js';
import { decideLiveness } from '../engine/decide.js';
import type { AnalysedFrame, Challenge, ChallengeMove } from '../engine/types.js';
import type { AttemptRow } from './report.js';

interface RecordedSession {
  challenge: ChallengeMove[];
  frames: Array<{ file: string; t: number; step: number }>;
}

export async function evaluateRecorded(dir: string, options: { threshold: number }): Promise<AttemptRow[]> {
  const pool = createAnalyzerPool({ size: 2 });
  await pool.ready();
  const rows: AttemptRow[] = [];
  try {
    for (const species of readdirSync(dir).filter((d) => statSync(path.join(dir, d)).isDirectory())) {
      for (const name of readdirSync(path.join(dir, species))) {
        const folder = path.join(dir, species, name);
        const manifest = path.join(folder, 'session.json');
        if (!existsSync(manifest)) continue;
        const session = JSON.parse(readFileSync(manifest, 'utf8')) as RecordedSession;
        const challenge: Challenge = { steps: session.challenge };
        const frames: AnalysedFrame[] = [];
        for (const frame of session.frames) {
          const observation = await pool.analyze(readFileSync(path.join(folder, frame.file)));
          frames.push({ t: frame.t, step: frame.step, observation });
        }
        const started = performance.now();
        const decision = decideLiveness(frames, challenge, { auditImages: 0 });
        const decisionLatencyMs = performance.now() - started;
        const complete = decision.outcome === 'complete';
        const confidence = complete ? decision.confidence : 0;
        rows.push({
          species,
          face: name,
          seed: 0,
          challenge: session.challenge,
          httpStatus: 200,
          status: complete ? 'complete' : 'failed',
          passed: complete && confidence >= options.threshold,
          confidence,
          failureReason: decision.failureReason ?? null,
          frames: frames.length,
          decisionLatencyMs,
        });
      }
    }
  } finally {
    await pool.close();
  }
  return rows;
}
