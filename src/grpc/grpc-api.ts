import type { ApiDeps } from '../server/api-deps.js';
import { daprService } from './dapr-service.js';
import { createTaskHubService } from './task-hub-service.js';
import { startGrpcServer, type GrpcServer, type GrpcService } from './grpc-server.js';
import { loadDaprRuntimeProtos } from './protos.js';

export interface GrpcApiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  deps: ApiDeps;
  apiToken?: string;
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer };
  /** More services to serve beside Dapr's (e.g. the Durable Task sidecar protocol). */
  services?: readonly GrpcService[];
  /** Unexpected failures (answered INTERNAL), one line each. */
  log?: (line: string) => void;
}

/**
 * tickflow's gRPC face, as `tickflow serve` runs it: Dapr's runtime service (the Jobs methods),
 * the Durable Task sidecar protocol (`TaskHubSidecarService`: instance management, and the
 * work-item stream of remote workers when the runtime has `remoteWorkers` on), any `services`
 * given, health and reflection, on one port. Imported on demand: loading the protos
 * and grpc-js costs time and memory that the CLI's client commands should not pay.
 */
export async function startGrpcApi(options: GrpcApiOptions): Promise<GrpcServer> {
  const log = options.log ?? (() => undefined);
  const dapr = daprService(loadDaprRuntimeProtos(), options.deps, (method, error) =>
    log(`error: gRPC ${method}: ${error instanceof Error ? error.message : String(error)}`),
  );
  const taskHub = createTaskHubService({
    client: options.deps.client,
    registeredWorkflows: () => options.deps.runtime.registeredWorkflows,
    ...(options.deps.runtime.workerHub && { workers: options.deps.runtime.workerHub }),
    log,
  });
  const server = await startGrpcServer({
    host: options.host,
    port: options.port,
    // The Durable Task protos bundle their own google/protobuf files, which do not merge with
    // Dapr's for reflection: the sidecar service is served but not described (see GrpcService).
    services: [dapr, { ...taskHub, packageDefinition: undefined }, ...(options.services ?? [])],
    ...(options.apiToken !== undefined && { apiToken: options.apiToken }),
    ...(options.tls !== undefined && { tls: options.tls }),
  });
  return {
    port: server.port,
    // Open work-item streams would hold a graceful shutdown until its grace runs out.
    stop: (graceMs) => {
      taskHub.close();
      return server.stop(graceMs);
    },
  };
}
