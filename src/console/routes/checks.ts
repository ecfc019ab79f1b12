// The checks list (filtered, keyset-paged), live updates of open checks, and the tenant picker.
import { errorRef } from '../../api/schemas.js';
import type { App } from '../../api/types.js';
import type { CheckStatus } from '../../store/schema.js';
import { principalOf, requireConsoleSession } from '../http-session.js';
import { CheckListQuery, CheckPage, CheckUpdates, TenantList, UpdatesQuery } from '../schemas.js';
import { type ConsoleRouteDeps, consoleTags } from './deps.js';

const time = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));

export function registerConsoleChecks(app: App, deps: ConsoleRouteDeps): void {
  const session = { onRequest: requireConsoleSession(deps.sessions) };

  app.get(
    '/console/api/checks',
    {
      ...session,
      schema: { ...consoleTags, summary: 'Checks, newest first, filtered and paged by cursor', querystring: CheckListQuery, response: { 200: CheckPage, 400: errorRef, 401: errorRef, 403: errorRef } },
    },
    async (request) => {
      const q = request.query;
      return deps.review.list(principalOf(request), {
        tenant: q.tenant,
        mode: q.mode,
        statuses: q.status?.split(',') as CheckStatus[] | undefined,
        outcome: q.outcome,
        from: time(q.from),
        to: time(q.to),
        reference: q.reference,
        search: q.q,
        cursor: q.cursor,
        limit: q.limit === undefined ? 25 : Number(q.limit),
      });
    },
  );

  app.get(
    '/console/api/checks/updates',
    {
      ...session,
      schema: { ...consoleTags, summary: 'Fresh state of the given checks, for live updates of open ones', querystring: UpdatesQuery, response: { 200: CheckUpdates, 400: errorRef, 401: errorRef } },
    },
    async (request) => ({ checks: await deps.review.updates(principalOf(request), request.query.ids.split(',')) }),
  );

  app.get(
    '/console/api/tenants',
    { ...session, schema: { ...consoleTags, summary: 'Tenants this session may look at', response: { 200: TenantList, 401: errorRef } } },
    async (request) => ({ tenants: await deps.review.tenants(principalOf(request)) }),
  );
}
