// Streaming analysis when frames arrive at a process without models (role api): a worker runs the
// models on a check's new frames while the capture goes on, so that after `finish` only the final
// combination is left. Frames it misses are picked up by the analysis job at finish.
import type { Kysely } from 'kysely';
import type { FrameAnalyzer } from '../engine/types.js';
import type { SecretBox } from '../security/secret-box.js';
import { findCheckById, setFrameObservation } from '../store/checks.js';
import type { Database } from '../store/schema.js';

export interface ObserveDeps {
  db: Kysely<Database>;
  box: SecretBox;
  analyzer: FrameAnalyzer;
}

/** Analyses the check's frames that have no observation yet; returns how many it did. */
export async function observeFrames(deps: ObserveDeps, checkId: string): Promise<number> {
  let done = 0;
  for (;;) {
    const check = await findCheckById(deps.db, checkId);
    if (!check || check.status !== 'in_progress') return done;
    const pending = await deps.db
      .selectFrom('capture_frames')
      .select(['seq', 'image_sealed'])
      .where('check_id', '=', checkId)
      .where('attempt', '=', check.attempts)
      .where('observation_sealed', 'is', null)
      .orderBy('seq', 'asc')
      .limit(8)
      .execute();
    if (pending.length === 0) return done;
    for (const frame of pending) {
      const observation = await deps.analyzer.analyze(deps.box.decrypt(frame.image_sealed));
      await setFrameObservation(deps.db, checkId, frame.seq, deps.box.encryptText(JSON.stringify(observation)));
      done += 1;
    }
  }
}
