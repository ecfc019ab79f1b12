// `npm run eval` / `livecheck eval`: measures livecheck the way ISO/IEC 30107-3 asks, over the real
// HTTP API and capture protocol, with generated sessions (or offline on your own recordings).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { loadHuman } from '../engine/human.js';
import type { Challenge } from '../engine/types.js';
import { FRESH_FACES, HELD_OUT_FACES, TUNING_FACES, companionFaces, loadFaceSource } from '../synth/face-source.js';
import { generateSession } from '../synth/session.js';
import { SESSION_SPECIES, type SessionSpecies, isSessionSpecies, needsOtherFace } from '../synth/species.js';
import { type ServiceEndpoint, playAttempt } from './http-driver.js';
import { evaluateRecorded } from './recorded.js';
import { type AttemptRow, formatReport, summarise } from './report.js';

const HELP = `livecheck eval: BPCER/APCER and decision latency, measured over the real API

Usage:
  livecheck eval [--url URL --api-key KEY] [--split held_out|fresh|tuning|all] [--species LIST]
                 [--per-face N] [--bona-fide-per-face N] [--faces N] [--seed N] [--fps N]
                 [--unpaced] [--out FILE] [--json]
  livecheck eval --data DIR [--threshold X] [--out FILE]
  livecheck eval --report FILE[,FILE…] [--threshold X]

Without --url, a livecheck service is started in this process on a temporary embedded store.
Generated sessions come from the package face photos (src/synth); --split held_out (default) uses
only faces that were never used for tuning; --split fresh a face added after the held-out figures had
been looked at (needs Debian python3-skimage). --data evaluates your own recorded sessions offline
through the same engine (see README, "Measure it on your own data"). --report summarises row files
written earlier (several runs together), and with --threshold shows what another threshold would
have decided on the same attempts.

Options:
  --per-face N             attempts per face and attack species (default 1)
  --bona-fide-per-face N   attempts per face for bona_fide (default: --per-face)
  --fps N                  frames per second of the generated sessions (default 6: a 4-step session is
                           ~60 frames; the hosted page sends 5 per second)
  --unpaced                upload every frame at once instead of at its capture time; then the
                           latency includes the whole analysis, not just what is left after capture

Examples:
  npm run eval
  npm run eval -- --species bona_fide,print_still,replay_screen --per-face 2
  LIVECHECK_API_KEY=lc_… npx livecheck eval --url http://127.0.0.1:3000 --faces 4
`;

export async function runEvalCli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      split: { type: 'string', default: 'held_out' },
      species: { type: 'string' },
      'per-face': { type: 'string', default: '1' },
      'bona-fide-per-face': { type: 'string' },
      fps: { type: 'string', default: '6' },
      unpaced: { type: 'boolean' },
      faces: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      data: { type: 'string' },
      threshold: { type: 'string' },
      report: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.report) {
    const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
    const rows = values.report.split(',').flatMap((file) => JSON.parse(readFileSync(file.trim(), 'utf8')) as AttemptRow[]);
    const report = summarise(threshold === undefined ? rows : rethreshold(rows, threshold));
    const heading = threshold === undefined ? 'as decided' : `re-decided at threshold ${threshold}`;
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${rows.length} attempts, ${heading}\n${formatReport(report)}\n`);
    return 0;
  }
  const out = values.out ?? path.join('artifacts', `eval-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  let rows: AttemptRow[];
  if (values.data) {
    rows = await evaluateRecorded(values.data, { threshold: values.threshold ? Number(values.threshold) : loadConfig().defaultThreshold });
  } else {
    const species = (values.species ?? SESSION_SPECIES.join(',')).split(',').map((s) => s.trim());
    const unknown = species.filter((s) => !isSessionSpecies(s));
    if (unknown.length > 0) {
      process.stderr.write(`unknown species: ${unknown.join(', ')}; known: ${SESSION_SPECIES.join(', ')}\n`);
      return 1;
    }
    const split =
      values.split === 'tuning' ? TUNING_FACES : values.split === 'fresh' ? FRESH_FACES : values.split === 'all' ? [...TUNING_FACES, ...HELD_OUT_FACES, ...FRESH_FACES] : HELD_OUT_FACES;
    const faces = values.faces ? split.slice(0, Number(values.faces)) : [...split];
    rows = await evaluateGenerated({
      url: values.url ?? process.env.LIVECHECK_URL,
      apiKey: values['api-key'] ?? process.env.LIVECHECK_API_KEY,
      species: species as SessionSpecies[],
      faces,
      perFace: Number(values['per-face']),
      bonaFidePerFace: Number(values['bona-fide-per-face'] ?? values['per-face']),
      fps: Number(values.fps),
      paced: !values.unpaced,
      seed: Number(values.seed),
      log: (line) => process.stderr.write(`${line}\n`),
    });
  }
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  const report = summarise(rows);
  // Latency depends on what else the machine is doing: say so next to the figures.
  const machine = `${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`;
  process.stdout.write(values.json ? `${JSON.stringify({ ...report, machine })}\n` : `${formatReport(report)}\n${machine}\nper-attempt rows: ${out}\n`);
  return 0;
}

/** The same attempts decided at another threshold: passed = a complete decision with confidence ≥ it. */
export function rethreshold(rows: readonly AttemptRow[], threshold: number): AttemptRow[] {
  return rows.map((row) => ({ ...row, passed: row.status === 'complete' && (row.confidence ?? 0) >= threshold }));
}

export interface GeneratedEvaluation {
  url: string | undefined;
  apiKey: string | undefined;
  species: SessionSpecies[];
  faces: string[];
  perFace: number;
  bonaFidePerFace: number;
  /** Frames per second of the generated sessions. */
  fps: number;
  /** Upload frames at their capture times (see AttemptSpec.paced). */
  paced: boolean;
  seed: number;
  log: (line: string) => void;
}

/** Plays every (face, species, repetition) against the service and returns one row per attempt. */
export async function evaluateGenerated(options: GeneratedEvaluation): Promise<AttemptRow[]> {
  const human = await loadHuman({ face: { detector: { maxDetected: 8 } } });
  const local = options.url ? undefined : await startLocalService();
  const endpoint: ServiceEndpoint = local?.endpoint ?? { baseUrl: options.url ?? '', apiKey: options.apiKey ?? '' };
  if (!endpoint.apiKey) throw new Error('--api-key (or LIVECHECK_API_KEY) is needed with --url');
  const rows: AttemptRow[] = [];
  try {
    for (const [i, faceId] of options.faces.entries()) {
      const face = await loadFaceSource(human, faceId);
      // Face swaps and second heads take the other person from the face's own list, in turn.
      const companions = companionFaces(faceId);
      for (const species of options.species) {
        const reps = species === 'bona_fide' ? options.bonaFidePerFace : options.perFace;
        if (needsOtherFace(species) && reps > 0 && companions.length === 0) throw new Error(`${species} needs a second face, and ${faceId} has no companion`);
        for (let rep = 0; rep < reps; rep++) {
          const seed = options.seed * 1_000_003 + i * 1009 + rep * 17 + species.length;
          const otherId = companions[rep % Math.max(1, companions.length)];
          const otherFace = needsOtherFace(species) && otherId ? await loadFaceSource(human, otherId) : undefined;
          const row = await playAttempt(endpoint, {
            species,
            face: faceId,
            seed,
            makeSession: async (challenge: Challenge) => generateSession({ face, challenge, species, seed, fps: options.fps, ...(otherFace ? { otherFace } : {}) }),
            paced: options.paced,
          });
          rows.push(row);
          options.log(
            `${species.padEnd(16)} ${faceId.padEnd(10)} ${row.passed ? 'PASSED' : 'rejected'} confidence=${row.confidence ?? '-'} ${row.failureReason ?? ''} ${row.decisionLatencyMs.toFixed(0)} ms`,
          );
        }
      }
    }
  } finally {
    await local?.stop();
  }
  return rows;
}

async function startLocalService(): Promise<{ endpoint: ServiceEndpoint; stop(): Promise<void> }> {
  const { startService } = await import('../service.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'livecheck-eval-'));
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LIVECHECK_DATA_DIR: dir, DATABASE_URL: '', LIVECHECK_ADMIN_KEY: '', LOG_LEVEL: 'warn', LIVECHECK_ANALYSIS_THREADS: process.env.LIVECHECK_ANALYSIS_THREADS ?? '2' });
  const service = await startService(config, { onAdminKeyCreated: () => undefined });
  const { key } = await service.keys.create('eval');
  return {
    endpoint: { baseUrl: service.url, apiKey: key },
    async stop() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
