import { createRequire } from 'node:module';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/** Where `@dapr/durabletask-js` publishes the Durable Task sidecar protocol, as a module specifier. */
export const TASK_HUB_PROTO = '@dapr/durabletask-js/proto/orchestrator_service.proto';

/** The service's full name: the proto declares no package. */
export const TASK_HUB_SERVICE_NAME = 'TaskHubSidecarService';

/**
 * How messages are decoded, chosen so that the shapes in `task-hub-messages.ts` hold:
 * - `keepCase`: field names exactly as the proto spells them (it mixes `spanID` and `instanceId`);
 * - `longs: Number`: the only 64-bit fields are Timestamp seconds, far inside the safe range;
 * - `enums: String`: statuses arrive as their names, which read better than numbers in code;
 * - `defaults`: scalars always present (a false bool, an empty string), absent messages null;
 * - `oneofs`: a oneof's chosen member is named (PurgeInstancesRequest's `request`).
 */
export const TASK_HUB_LOAD_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let loaded: ServiceDefinition | undefined;

/**
 * `TaskHubSidecarService` as grpc-js serves it, loaded once from the proto file that
 * `@dapr/durabletask-js` ships (found through Node's module resolution, never copied here).
 */
export function taskHubServiceDefinition(): ServiceDefinition {
  if (loaded) return loaded;
  const file = createRequire(import.meta.url).resolve(TASK_HUB_PROTO);
  const definition = loadSync(file, TASK_HUB_LOAD_OPTIONS)[TASK_HUB_SERVICE_NAME];
  // A service is the one kind of definition that is neither a message nor an enum.
  if (definition === undefined || 'format' in definition) {
    throw new Error(`${TASK_HUB_PROTO} declares no service ${TASK_HUB_SERVICE_NAME}`);
  }
  loaded = definition;
  return loaded;
}
