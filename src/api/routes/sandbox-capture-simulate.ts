// What the simulation page calls: a test check's link decides its own outcome, authorised by the
// capture id like the capture protocol. A live check's link answers as an unknown one.
import { CaptureParams, CaptureSimulateResponse, SimulateBody, errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';

export function registerSandboxCaptureSimulate(app: App, deps: ApiDeps): void {
  app.post(
    '/v1/capture/:capture_id/simulate',
    {
      schema: {
        tags: ['sandbox'],
        summary: 'Simulate an outcome from a test check’s link (the simulation page)',
        description: 'Same outcomes as POST /v1/sandbox/liveness_check/{id}/simulate, for the holder of a test check’s capture link. 404 for a live check’s link.',
        params: CaptureParams,
        body: SimulateBody,
        response: { 200: CaptureSimulateResponse, 400: errorRef, 404: errorRef, 409: errorRef, 410: errorRef },
      },
    },
    async (request) => deps.sandbox.simulateByCaptureLink(request.params.capture_id, request.body),
  );
}
