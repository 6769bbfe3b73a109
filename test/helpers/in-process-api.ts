/**
 * The server's HTTP app, in process, on a runtime and client the test built (no `tickflow serve`
 * child, no etcd of the server's own): for tests that send many requests through `app.inject`.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../../src/server/api-deps.js';
import { buildHttpApp } from '../../src/server/http-app.js';
import { ServerMetrics } from '../../src/server/server-metrics.js';
import type { WorkflowClient } from '../../src/workflow-client.js';
import type { WorkflowRuntime } from '../../src/workflow-runtime.js';

export function inProcessApi(
  runtime: WorkflowRuntime,
  client: WorkflowClient,
  onServerError: (error: unknown) => void,
): FastifyInstance {
  const deps: ApiDeps = {
    runtime,
    client,
    metrics: new ServerMetrics(runtime, client),
    info: {
      version: 'test',
      appUrl: undefined,
      etcd: { embedded: false, hosts: [] },
      workflowsModule: undefined,
    },
    isReady: () => true,
    checkStore: async () => undefined,
  };
  return buildHttpApp(deps, { onServerError });
}
