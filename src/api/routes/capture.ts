// The capture protocol (docs/capture-protocol.md): start → frames… → finish. Authorised by the
// capture id in the link, which is a secret of its own, not the check token.
import { CaptureParams, CaptureStartResponse, FinishResponse, FramesBody, FramesResponse, errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';

/** Ten frames of up to 1.5 MB each, base64-encoded, plus JSON. */
const FRAMES_BODY_LIMIT = 21 * 1024 * 1024;

export function registerCapture(app: App, deps: ApiDeps): void {
  const errors = { 400: errorRef, 404: errorRef, 409: errorRef, 410: errorRef, 422: errorRef };
  app.post(
    '/v1/capture/:capture_id/start',
    {
      schema: {
        tags: ['capture'],
        summary: 'Start (or restart) a capture and get its challenge',
        params: CaptureParams,
        response: { 200: CaptureStartResponse, ...errors },
      },
    },
    async (request) => deps.checks.start(request.params.capture_id),
  );

  app.post(
    '/v1/capture/:capture_id/frames',
    {
      bodyLimit: FRAMES_BODY_LIMIT,
      schema: {
        tags: ['capture'],
        summary: 'Upload frames as they are taken',
        description: 'Raw (unmirrored) JPEG frames in order. The answer carries per-frame feedback the page can show (no_face, too_dark…).',
        params: CaptureParams,
        body: FramesBody,
        response: { 202: FramesResponse, ...errors, 413: errorRef },
      },
    },
    async (request, reply) => {
      const receipts = await deps.checks.addFrames(request.params.capture_id, request.body.frames, request.body.attempt);
      return reply.status(202).send({ accepted: receipts.length, frames: receipts });
    },
  );

  app.post(
    '/v1/capture/:capture_id/finish',
    {
      schema: {
        tags: ['capture'],
        summary: 'End the capture; analysis runs as a job',
        params: CaptureParams,
        response: { 202: FinishResponse, ...errors },
      },
    },
    async (request, reply) => reply.status(202).send(await deps.checks.finish(request.params.capture_id)),
  );
}
