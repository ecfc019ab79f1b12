// Runs the reference backend: `npx tsx examples/reference-backend/main.ts`, with LIVECHECK_URL,
// LIVECHECK_API_KEY, LIVECHECK_WEBHOOK_SECRET and optionally PORT (4000), HOST (127.0.0.1) and
// PUBLIC_URL (http://127.0.0.1:PORT), the address at which browsers and livecheck reach it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReferenceBackend } from './backend.js';
import { type BackendConfig, ConfigError, readBackendConfig } from './config.js';

let config: BackendConfig;
try {
  config = readBackendConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const server = createServer(createReferenceBackend(config.backend).handle);
server.listen(config.port, config.host, () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`reference backend listening on http://${address}:${port}, public at ${config.backend.publicUrl}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
