// One check as a case file, and the same as a download for archival.
import { errorRef } from '../../api/schemas.js';
import type { App } from '../../api/types.js';
import { principalOf, requireConsoleSession } from '../http-session.js';
import { CaseFile, CheckParams } from '../schemas.js';
import { type ConsoleRouteDeps, consoleTags } from './deps.js';

export function registerConsoleCase(app: App, deps: ConsoleRouteDeps): void {
  const session = { onRequest: requireConsoleSession(deps.sessions) };

  app.get(
    '/console/api/checks/:id',
    { ...session, schema: { ...consoleTags, summary: 'A check as a case file: decision, signals, steps, images with boxes, timeline', params: CheckParams, response: { 200: CaseFile, 401: errorRef, 404: errorRef } } },
    async (request) => deps.review.caseFile(principalOf(request), request.params.id),
  );

  app.get(
    '/console/api/checks/:id/export',
    { ...session, schema: { ...consoleTags, summary: 'Download the case file (JSON with the images that still exist)', params: CheckParams, response: { 200: CaseFile, 401: errorRef, 404: errorRef } } },
    async (request, reply) => {
      const file = await deps.review.caseFile(principalOf(request), request.params.id);
      return reply.header('content-disposition', `attachment; filename="livecheck-case-${file.check.id}.json"`).send(file);
    },
  );
}
