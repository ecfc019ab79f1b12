// The capture page in real Chromium against the real service: one service and one browser for
// all browser tests, so that they do not fight over the two cores with a second copy of each.
import { afterAll, beforeAll } from 'vitest';
import { captureFlowTests } from './capture-flows.js';
import { captureStateTests } from './capture-states.js';
import { bonaFideTests } from './capture-bona-fide.js';
import { embeddingTests } from './capture-embedding.js';
import { PageSuite } from './harness.js';

const suite = new PageSuite();
beforeAll(() => suite.start());
afterAll(() => suite.stop());

captureFlowTests(suite);
captureStateTests(suite);
embeddingTests(suite);
bonaFideTests(suite);
