// The sandbox's API: decide a test check as a CI job or a developer wants, with a test key. A live
// key, a live check's id, another tenant's id and an unknown id all get the same 404.
import { requireTenant, tenantOf } from '../auth.js';
import { SimulateBody, SimulateParams, SimulatedCheck, errorRef } from '../schemas.js';
import type { ApiDeps, App } from '../types.js';

export function registerSandboxSimulate(app: App, deps: ApiDeps): void {
  app.post(
    '/v1/sandbox/liveness_check/:id/simulate',
    {
      schema: {
        tags: ['sandbox'],
        summary: 'Simulate an outcome for a test check (test keys only)',
        description:
          'Decides a check made with a test key (`lc_test_…`) without a camera: the result (plausible confidence, bounding box, generated probe and audit images), its webhook, audit log entry and retention are those of a real decision. Read it afterwards with GET /liveness_check, as your backend would. Live keys and live checks get 404, as for an unknown id.',
        security: [{ bearer: [] }],
        params: SimulateParams,
        body: SimulateBody,
        response: { 200: SimulatedCheck, 400: errorRef, 401: errorRef, 404: errorRef, 409: errorRef, 410: errorRef },
      },
      // Authentication before validation: without a key, nothing about the request is looked at.
      onRequest: requireTenant(deps.keys),
    },
    async (request) => deps.sandbox.simulateById(tenantOf(request), request.params.id, request.body),
  );
}
