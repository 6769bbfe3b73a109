/**
 * The samples as a module for `tickflow serve --workflows samples/order-processing/serve-module.ts`:
 * the server registers each export under its key, so the same workflows can be started and
 * approved over HTTP (see docs/http-api-and-cli.md). The simulated services are seeded
 * from $TICKFLOW_SAMPLE_SEED (default 7).
 */
import { createActivities } from './activities.js';
import { sampleWorkflows } from './register.js';
import { createServices } from './services/index.js';

export const workflows = sampleWorkflows;

export const activities = createActivities(
  createServices({ seed: Number(process.env['TICKFLOW_SAMPLE_SEED'] ?? 7) }),
);
