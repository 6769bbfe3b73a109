import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { TickflowError } from '../common/tickflow-error.js';

/**
 * How every proto is loaded, so handlers see one message shape: field names as in the .proto
 * (snake_case), 64-bit integers as decimal strings (never rounded through a double), enums by
 * name, absent fields as `undefined` (proto3 `optional` stays distinguishable from its default),
 * and the name of a set `oneof` member in a virtual field named after the oneof.
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** A set of .proto files loaded with proto-loader, and the services they declare. */
export interface LoadedProtos {
  /** Every message and service of the files and their imports (what reflection describes). */
  readonly packageDefinition: PackageDefinition;
  /**
   * The service of that fully-qualified name (e.g. `dapr.proto.runtime.v1.Dapr`), typed as
   * grpc-js's `Server.addService` takes it; throws `ProtoLoadError` if the files declare no such
   * service.
   */
  service(name: string): ServiceDefinition;
}

/** A .proto file could not be found or parsed: the installed package is missing or too old. */
export class ProtoLoadError extends TickflowError {
  override name = 'ProtoLoadError';
}

/** Fully-qualified names of the services tickflow serves or plugs in. */
export const DAPR_SERVICE = 'dapr.proto.runtime.v1.Dapr';
export const APP_CALLBACK_ALPHA_SERVICE = 'dapr.proto.runtime.v1.AppCallbackAlpha';
export const TASK_HUB_SERVICE = 'TaskHubSidecarService';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';
/** Dapr's Scheduler control-plane service, which daprd sidecars connect to (docs/dapr-scheduler.md). */
export const SCHEDULER_SERVICE = 'dapr.proto.scheduler.v1.Scheduler';

const require = createRequire(import.meta.url);

/**
 * The directory of an installed package, found by Node's module resolution from this file (so a
 * hoisted or nested install both work); the protos are read from there, never copied.
 */
function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    throw new ProtoLoadError(
      `cannot find the package ${name}, which publishes the gRPC protos: reinstall tickflow`,
      {
        cause: error,
      },
    );
  }
}

function load(files: string[], includeDirs: string[], what: string): LoadedProtos {
  let packageDefinition: PackageDefinition;
  try {
    packageDefinition = loadSync(files, { ...PROTO_LOADER_OPTIONS, includeDirs });
  } catch (error) {
    throw new ProtoLoadError(
      `cannot load ${what} (${files.join(', ')} under ${includeDirs.join(', ')}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return {
    packageDefinition,
    service(name) {
      const definition = packageDefinition[name];
      // A service definition maps method names to objects with a `path`; messages have `format`.
      if (definition === undefined || 'format' in definition) {
        throw new ProtoLoadError(`${what} declare no service ${name}`);
      }
      return definition as ServiceDefinition;
    },
  };
}

/**
 * Dapr's runtime API (`dapr.proto.runtime.v1`: the `Dapr` service and the app callbacks) from
 * `@dapr/dapr`, which ships `proto/dapr/proto/runtime/v1/*.proto`.
 */
export function loadDaprRuntimeProtos(): LoadedProtos {
  const root = join(packageDir('@dapr/dapr'), 'proto');
  return load(
    ['dapr/proto/runtime/v1/dapr.proto', 'dapr/proto/runtime/v1/appcallback.proto'],
    [root],
    "Dapr's runtime protos from @dapr/dapr",
  );
}

/**
 * The Durable Task sidecar protocol (`TaskHubSidecarService`, no package) from
 * `@dapr/durabletask-js`, which ships `proto/orchestrator_service.proto`.
 */
export function loadOrchestratorProtos(): LoadedProtos {
  const root = join(packageDir('@dapr/durabletask-js'), 'proto');
  return load(['orchestrator_service.proto'], [root], 'the Durable Task protos from @dapr/durabletask-js');
}

/**
 * Dapr's Scheduler service (`dapr.proto.scheduler.v1.Scheduler`) from `@dapr/dapr`, which ships
 * `proto/dapr/proto/scheduler/v1/scheduler.proto`.
 */
export function loadDaprSchedulerProtos(): LoadedProtos {
  const root = join(packageDir('@dapr/dapr'), 'proto');
  return load(['dapr/proto/scheduler/v1/scheduler.proto'], [root], "Dapr's scheduler protos from @dapr/dapr");
}

/** The gRPC health protocol (`grpc.health.v1`), as published by `grpc-health-check`. */
export function loadHealthProtos(): LoadedProtos {
  return load([healthProtoPath], [dirname(healthProtoPath)], 'the gRPC health protos from grpc-health-check');
}
