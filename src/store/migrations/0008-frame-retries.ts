// A frames request retried by a client that never saw the answer must not store its frames twice:
// `t` names a frame within its attempt (src/checks/service.ts addFrames skips times already
// stored). The unique index makes that a rule the table itself keeps; rows stored twice
// before it existed are dropped first (only checks still capturing keep frames).
import { type Kysely, type Migration, sql } from 'kysely';

export function frameRetries(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`
        delete from capture_frames
        where exists (
          select 1 from capture_frames earlier
          where earlier.check_id = capture_frames.check_id
            and earlier.attempt = capture_frames.attempt
            and earlier.t = capture_frames.t
            and earlier.seq < capture_frames.seq
        )`.execute(db);
      await db.schema.createIndex('capture_frames_attempt_t').on('capture_frames').columns(['check_id', 'attempt', 't']).unique().execute();
    },
  };
}
