// A child process for concurrency tests: loads the store code, says "ready", and on a line from its
// parent opens the store (applying migrations) in the data directory given as its argument.
import { createInterface } from 'node:readline';
import { openStore } from '../../src/store/database.js';

const dataDir = process.argv[2] ?? '';
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
try {
  const store = await openStore({ dataDir });
  await store.close();
  process.stdout.write('opened\n');
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
}
