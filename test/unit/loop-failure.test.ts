// Background loops after a failed iteration: how long they wait, and how they say it.
import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, logLoopFailure, nextBackoff } from '../../src/jobs/loop-failure.js';

describe('nextBackoff', () => {
  it('starts at 1 s, doubles, and stops at MAX_BACKOFF_MS', () => {
    const waits: number[] = [];
    let wait = 0;
    for (let i = 0; i < 6; i++) waits.push((wait = nextBackoff(wait)));
    expect(waits).toEqual([1000, 2000, 4000, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
    expect(MAX_BACKOFF_MS).toBe(5000);
  });
});

describe('logLoopFailure', () => {
  const capture = () => {
    const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
    return {
      lines,
      logger: {
        warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
        error: (obj: object, msg: string) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
      },
    };
  };

  it('an unreachable store is a warning with its cause, without a stack', () => {
    const { lines, logger } = capture();
    logLoopFailure(logger, Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), { worker: 'w1' }, 'analysis worker iteration', 2000);
    expect(lines).toEqual([{ level: 'warn', obj: { worker: 'w1', cause: 'connect ECONNREFUSED 127.0.0.1:5432', retry_in_ms: 2000 }, msg: 'analysis worker iteration: store unreachable' }]);
  });

  it('anything else is an error with the error itself', () => {
    const { lines, logger } = capture();
    const bug = new TypeError('x is undefined');
    logLoopFailure(logger, bug, {}, 'sweep', 30_000);
    expect(lines).toEqual([{ level: 'error', obj: { err: bug, retry_in_ms: 30_000 }, msg: 'sweep failed' }]);
  });
});
