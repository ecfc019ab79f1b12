// Sends requests at a fixed rate from its own process and prints the p99 latency in ms.
// Usage: node bench/fixed-rate-client.mjs BASE_URL RATE SECONDS HEADERS_JSON PATHS_FILE
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [base, rateArg, secondsArg, headersJson, pathsFile] = process.argv.slice(2);
const rate = Number(rateArg);
const total = rate * Number(secondsArg);
const headers = JSON.parse(headersJson);
const paths = readFileSync(pathsFile, 'utf8').split('\n').filter(Boolean);
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const latencies = [];
let errors = 0;
const started = performance.now();
const pending = [];
for (let i = 0; i < total; i++) {
  const wait = started + (i * 1000) / rate - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  // Latency counts from when the request was due, so a stalled client is not hidden (or from when
  // it was sent, if that was up to 1 ms early).
  const due = Math.min(started + (i * 1000) / rate, performance.now());
  pending.push(
    new Promise((resolve) => {
      const req = http.get(new URL(paths[i % paths.length], base), { agent, headers }, (res) => {
        if (res.statusCode >= 400) errors++;
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - due);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    }),
  );
}
await Promise.all(pending);
agent.destroy();
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ p99: latencies[Math.floor(latencies.length * 0.99)], p50: latencies[Math.floor(latencies.length * 0.5)], errors, sent: total }));
