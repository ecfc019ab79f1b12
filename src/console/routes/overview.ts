import { errorRef } from '../../api/schemas.js';
import type { App } from '../../api/types.js';
import { principalOf, requireConsoleSession } from '../http-session.js';
import { Overview, OverviewQuery } from '../schemas.js';
import { type ConsoleRouteDeps, consoleTags } from './deps.js';

export function registerConsoleOverview(app: App, deps: ConsoleRouteDeps): void {
  app.get(
    '/console/api/overview',
    {
      onRequest: requireConsoleSession(deps.sessions),
      schema: { ...consoleTags, summary: 'Checks per day, pass rate, failure reasons, decision latency', querystring: OverviewQuery, response: { 200: Overview, 400: errorRef, 401: errorRef, 403: errorRef } },
    },
    async (request) => deps.review.overview(principalOf(request), { tenant: request.query.tenant, mode: request.query.mode, days: request.query.days === undefined ? 14 : Number(request.query.days) }),
  );
}
