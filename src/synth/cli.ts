// `livecheck synth`: write a generated camera session (frames as NNN.jpg + session.json) to a directory
// outside the repository, or list the faces that can be used.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CHALLENGE_MOVES, type ChallengeMove } from '../engine/types.js';
import { contactSheet } from './contact-sheet.js';
import {
  companionFaces,
  DEGRADED_FACES,
  FACE_IDS,
  FRESH_FACES,
  HELD_OUT_FACES,
  loadFaceDetector,
  loadFaceSource,
  TUNING_FACES,
} from './face-source.js';
import { generateSession } from './session.js';
import { isSessionSpecies, needsOtherFace, SESSION_SPECIES } from './species.js';

const HELP = `livecheck synth: generate a camera session from a real face photo

Usage:
  livecheck synth --face ID --species SPECIES --steps MOVES --seed N --out DIR [options]
  livecheck synth --list

Options:
  --face ID          face to use (see --list)
  --species NAME     ${SESSION_SPECIES.join(' | ')}
  --steps MOVES      comma-separated: ${CHALLENGE_MOVES.join(',')}
  --seed N           whole number; the same seed gives the same session
  --out DIR          directory for NNN.jpg and session.json (must not be tracked by git)
  --other-face ID    second person for face_swap / multiple_faces (default: one from the same list)
  --fps N            frames per second (default 10)
  --width N --height N   frame size (default 640×480)
  --sheet FILE       also write a contact sheet PNG of the frames
  --list             list face ids by list (tuning, held out, degraded)
  --json             machine-readable output (the face lists, or what was written)
  --help             this text

Exit codes: 0 success, 1 usage error, 3 runtime error.

Examples:
  npx livecheck synth --list
  npx livecheck synth --face hopper --species bona_fide --steps turn_left,look_up,turn_right,look_down --seed 7 --out /tmp/session-7
  npx livecheck synth --face hopper --species print_still --steps turn_left,look_up --seed 1 --out /tmp/print --json | jq .frames
`;

class UsageError extends Error {
  override name = 'UsageError';
}

function wholeNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

function parseSteps(value: string): ChallengeMove[] {
  const steps = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (steps.length === 0) throw new UsageError('--steps needs at least one move');
  return steps.map((step) => {
    const move = CHALLENGE_MOVES.find((m) => m === step);
    if (!move) throw new UsageError(`unknown move ${JSON.stringify(step)}; moves: ${CHALLENGE_MOVES.join(', ')}`);
    return move;
  });
}

/**
 * Generated images must never end up committed: refuse a directory that git would track.
 * Returns a reason to refuse, or undefined when the directory is fine.
 */
export function trackedByGit(dir: string): string | undefined {
  let probe = path.resolve(dir);
  while (!existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) return undefined;
    probe = parent;
  }
  let root: string;
  try {
    root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: probe, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined; // not inside a git work tree
  }
  try {
    // Exit 0: ignored. A trailing file name makes the check apply to files written inside the directory.
    execFileSync('git', ['check-ignore', '-q', path.join(path.resolve(dir), '000.jpg')], { cwd: root, stdio: 'ignore' });
    return undefined;
  } catch {
    return `${dir} is inside the git work tree ${root} and not ignored; write generated images elsewhere (e.g. /tmp)`;
  }
}

export async function runSynthCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        face: { type: 'string' },
        species: { type: 'string' },
        steps: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'other-face': { type: 'string' },
        fps: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        sheet: { type: 'string' },
        list: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.list) {
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ tuning: TUNING_FACES, held_out: HELD_OUT_FACES, fresh: FRESH_FACES, degraded: DEGRADED_FACES })}\n`);
      return 0;
    }
    process.stdout.write(
      `tuning:   ${TUNING_FACES.join(' ')}\nheld out: ${HELD_OUT_FACES.join(' ')}\nfresh:    ${FRESH_FACES.join(' ')}\ndegraded: ${DEGRADED_FACES.join(' ')}\n`,
    );
    return 0;
  }

  let request;
  try {
    const face = values.face ?? '';
    if (!FACE_IDS.includes(face)) throw new UsageError(`--face must be one of: ${FACE_IDS.join(', ')}`);
    const species = values.species ?? '';
    if (!isSessionSpecies(species)) throw new UsageError(`--species must be one of: ${SESSION_SPECIES.join(', ')}`);
    if (values.steps === undefined) throw new UsageError('--steps is required');
    if (values.seed === undefined) throw new UsageError('--seed is required');
    if (values.out === undefined) throw new UsageError('--out is required');
    const seed = wholeNumber(values.seed, 'seed', 0);
    const companions = companionFaces(face);
    const otherFace = values['other-face'] ?? companions[Math.abs(seed) % Math.max(1, companions.length)];
    if (otherFace !== undefined && !FACE_IDS.includes(otherFace)) {
      throw new UsageError(`--other-face must be one of: ${FACE_IDS.join(', ')}`);
    }
    request = {
      face,
      species,
      steps: parseSteps(values.steps),
      seed,
      out: values.out,
      otherFace: needsOtherFace(species) ? otherFace : undefined,
      fps: wholeNumber(values.fps, 'fps', 10),
      width: wholeNumber(values.width, 'width', 640),
      height: wholeNumber(values.height, 'height', 480),
      sheet: values.sheet,
    };
    const refusal = trackedByGit(request.out) ?? (request.sheet ? trackedByGit(path.dirname(request.sheet)) : undefined);
    if (refusal) throw new UsageError(refusal);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }

  try {
    const human = await loadFaceDetector();
    const face = await loadFaceSource(human, request.face);
    const otherFace = request.otherFace ? await loadFaceSource(human, request.otherFace) : undefined;
    const started = Date.now();
    const session = await generateSession({
      face,
      otherFace,
      challenge: { steps: request.steps },
      species: request.species,
      seed: request.seed,
      fps: request.fps,
      width: request.width,
      height: request.height,
    });
    await mkdir(request.out, { recursive: true });
    const frames = await Promise.all(
      session.frames.map(async (frame, i) => {
        const file = `${String(i).padStart(3, '0')}.jpg`;
        await writeFile(path.join(request.out, file), frame.jpeg);
        return { file, t: frame.t, step: frame.step };
      }),
    );
    const manifest = {
      species: session.species,
      challenge: session.challenge,
      performed: session.performed,
      faceId: session.faceId,
      otherFaceId: session.otherFaceId,
      swapStep: session.swapStep,
      seed: request.seed,
      fps: request.fps,
      width: request.width,
      height: request.height,
      frames,
    };
    await writeFile(path.join(request.out, 'session.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (request.sheet) await writeFile(request.sheet, await contactSheet(session.frames, { every: 2 }));
    const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ out: request.out, frames: session.frames.length, species: session.species, steps: request.steps, face: session.faceId, seconds })}\n`);
      return 0;
    }
    process.stdout.write(
      `${session.frames.length} frames of ${session.species} (${request.steps.join(',')}) for ${session.faceId} ` +
        `in ${seconds.toFixed(1)} s → ${request.out}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`synth failed: ${(error as Error).message}\n`);
    return 3;
  }
}
