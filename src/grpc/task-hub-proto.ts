import { createRequire } from 'node:module';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/** Where `@dapr/durabletask-js` publishes the Durable Task sidecar protocol, as a module specifier. */
export const TASK_HUB_PROTO = '@dapr/durabletask-js/proto/orchestrator_service.proto';

/** The service's full name: the proto declares no package. */
export const TASK_HUB_SERVICE_NAME = 'TaskHubSidecarService';

/**
 * How messages are decoded; the same options as every other proto tickflow serves, so that all
 * handlers see one message shape (the shapes in `task-hub-messages.ts`):
 * - `keepCase`: field names exactly as the proto spells them;
 * - `longs: String`: 64-bit integers as decimal strings, never rounded through a double;
 * - `enums: String`: enum values by name;
 * - `defaults: false`: a field left at its default is absent, so "not sent" stays visible;
 * - `oneofs`: a set oneof's member is named in a virtual field (PurgeInstancesRequest's `request`).
 */
export const TASK_HUB_LOAD_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** The protocol as loaded: the service, and every message of the file for server reflection. */
export interface TaskHubProto {
  definition: ServiceDefinition;
  packageDefinition: PackageDefinition;
}

let loaded: TaskHubProto | undefined;

/**
 * `TaskHubSidecarService` as grpc-js serves it, loaded once from the proto file that
 * `@dapr/durabletask-js` ships (found through Node's module resolution, never copied here).
 */
export function loadTaskHubProto(): TaskHubProto {
  if (loaded) return loaded;
  const file = createRequire(import.meta.url).resolve(TASK_HUB_PROTO);
  const packageDefinition = loadSync(file, TASK_HUB_LOAD_OPTIONS);
  const definition = packageDefinition[TASK_HUB_SERVICE_NAME];
  // A service is the one kind of definition that is neither a message nor an enum (no `format`).
  if (definition === undefined || 'format' in definition) {
    throw new Error(`${TASK_HUB_PROTO} declares no service ${TASK_HUB_SERVICE_NAME}`);
  }
  loaded = { definition, packageDefinition };
  return loaded;
}
