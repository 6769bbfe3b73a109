import type { FastifyInstance } from 'fastify';
import { ApiError, ErrorCode } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { PROMETHEUS_CONTENT_TYPE } from '../prometheus.js';

/** Health (Dapr's 204-when-ready convention), metadata and Prometheus metrics. */
export function registerSystemRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/v1.0/healthz', async (_request, reply) => {
    if (!deps.isReady()) throw notReady('the server is starting or shutting down');
    return reply.code(204).send();
  });

  app.get('/v1.0/healthz/outbound', async (_request, reply) => {
    if (!deps.isReady()) throw notReady('the server is starting or shutting down');
    try {
      await deps.checkStore();
    } catch (error) {
      throw notReady(`etcd does not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    return reply.code(204).send();
  });

  app.get('/v1.0/metadata', async () => {
    const { runtime, info } = deps;
    const timers = runtime.timers;
    // Addresses, pids, URLs and file paths help an attacker more than anyone else: they are shown
    // only by a server that requires an API token (so only to callers who sent it).
    const detailed = deps.requiresToken === true;
    return {
      id: runtime.appId,
      namespace: runtime.namespace,
      runtimeVersion: info.version,
      runtime: 'tickflow',
      enabledFeatures: [],
      workflows: {
        registered: runtime.registeredWorkflows,
        activities: runtime.registeredActivities,
        ...(detailed && info.workflowsModule !== undefined && { module: info.workflowsModule }),
      },
      replica: {
        memberId: timers.memberId,
        ownedPartitions: timers.ownedPartitions(),
        stagedTriggers: timers.stagedCount(),
      },
      appConnectionProperties:
        info.appUrl === undefined
          ? {}
          : { protocol: info.appProtocol ?? 'http', ...(detailed && { channelAddress: info.appUrl }) },
      etcd: detailed ? info.etcd : { embedded: info.etcd.embedded },
    };
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.render();
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(body);
  });
}

function notReady(message: string): ApiError {
  return new ApiError(500, ErrorCode.notReady, message);
}
