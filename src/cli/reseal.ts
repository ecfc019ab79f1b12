// `livecheck keys reseal`: re-encrypts everything sealed under earlier keys with
// LIVECHECK_ENCRYPTION_KEY, so that LIVECHECK_PREVIOUS_ENCRYPTION_KEYS can be emptied.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { SecretBox, loadOrCreateKey } from '../security/secret-box.js';
import { type ResealReport, resealAll } from '../security/reseal.js';
import { openStore } from '../store/database.js';

export interface ResealCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

export const RESEAL_HELP = `Usage: livecheck keys reseal [--batch N] [--json]

Re-encrypts every sealed value (check tokens, frames and their observations, probe and audit
images, webhook signing secrets) under LIVECHECK_ENCRYPTION_KEY. Values already under it are
left alone, so it is safe to run again, and to run while the service is up. Afterwards the keys
in LIVECHECK_PREVIOUS_ENCRYPTION_KEYS are no longer needed: remove them and restart.

Options:
  --batch N   rows per transaction (1-10000, default 200)
  --json      print the counts as JSON

Exit codes: 0 everything is under the current key, 1 usage or configuration error,
            3 some values are sealed with a key that is not configured (listed), or another error.

Example (rotating from key A to key B):
  LIVECHECK_ENCRYPTION_KEY=B LIVECHECK_PREVIOUS_ENCRYPTION_KEYS=A npx livecheck keys reseal
  # then start the service with LIVECHECK_ENCRYPTION_KEY=B alone
`;

export async function runResealCli(argv: string[], io: ResealCliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { batch: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    io.stdout.write(RESEAL_HELP);
    return 0;
  }
  const batch = values.batch === undefined ? 200 : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) {
    io.stderr.write('--batch must be a whole number from 1 to 10000\n');
    return 1;
  }
  const config = loadConfig(io.env);
  // Never generate a key here: data sealed with it would be the only thing it could read.
  if (config.encryptionKey === undefined && !existsSync(path.join(config.dataDir, 'encryption.key'))) {
    io.stderr.write('no encryption key: set LIVECHECK_ENCRYPTION_KEY (or LIVECHECK_DATA_DIR to where encryption.key is)\n');
    return 1;
  }
  const { key } = loadOrCreateKey(config.encryptionKey, config.dataDir);
  const box = new SecretBox([key, ...config.previousEncryptionKeys.map((k) => Buffer.from(k, 'base64'))]);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema });
  let report: ResealReport;
  try {
    report = await resealAll(store.db, box, { batch });
  } finally {
    await store.close();
  }
  if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(describe(report));
  if (report.unreadable > 0) {
    io.stderr.write(
      `${report.unreadable} value(s) are sealed with a key that is not configured; add it to LIVECHECK_PREVIOUS_ENCRYPTION_KEYS and run again before retiring keys\n`,
    );
    return 3;
  }
  return 0;
}

function describe(report: ResealReport): string {
  const lines = report.columns.map((c) => {
    const extra = [c.changed ? `${c.changed} rewritten meanwhile` : '', c.unreadable ? `${c.unreadable} UNREADABLE` : ''].filter(Boolean).join(', ');
    return `  ${`${c.table}.${c.column}`.padEnd(40)} ${String(c.resealed).padStart(8)} resealed${extra ? ` (${extra})` : ''}`;
  });
  const verdict =
    report.unreadable === 0
      ? 'Everything is sealed with the current key: LIVECHECK_PREVIOUS_ENCRYPTION_KEYS can be removed.'
      : 'Some values still need a key that is not configured.';
  return `Resealed under key ${report.keyId}:\n${lines.join('\n')}\n  ${'total'.padEnd(40)} ${String(report.resealed).padStart(8)} resealed\n\n${verdict}\n`;
}
