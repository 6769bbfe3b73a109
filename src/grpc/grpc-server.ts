import {
  Server,
  ServerCredentials,
  setLogger,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { TickflowError } from '../common/tickflow-error.js';
import { apiTokenInterceptor, serviceOf } from './api-token-interceptor.js';
import { GRPC_MAX_MESSAGE_BYTES } from './message-limits.js';
import { HEALTH_SERVICE, loadHealthProtos } from './protos.js';

/** One service to serve: its definition as proto-loader loaded it, and its handlers. */
export interface GrpcService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  /**
   * The protos it comes from, so server reflection can describe it; undefined leaves it out of
   * reflection. One reflection service describes one merged set of protos, and two packages that
   * each bundle their own copies of google/protobuf/*.proto cannot be merged cleanly (reflection
   * then warns about every shared type on stderr at start-up).
   */
  readonly packageDefinition: PackageDefinition | undefined;
}

export interface GrpcServerOptions {
  /** Interface to listen on (an IPv6 address without brackets, as for HTTP). */
  host: string;
  /** 0 picks a free port (see `GrpcServer.port`). */
  port: number;
  services: readonly GrpcService[];
  /** When set, every call but health needs it in `dapr-api-token` metadata (UNAUTHENTICATED otherwise). */
  apiToken?: string;
  /** PEM key and certificate; with `ca`, clients must present a certificate it signed (mutual TLS). */
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer };
}

export interface GrpcServer {
  /** The port it listens on (the one picked when 0 was asked for). */
  readonly port: number;
  /** Health answers NOT_SERVING, in-flight calls get `graceMs` to finish, then the rest are cut. */
  stop(graceMs?: number): Promise<void>;
}

/** The gRPC port could not be bound (in use, no such address). */
export class GrpcListenError extends TickflowError {
  override name = 'GrpcListenError';
}

const DEFAULT_GRACE_MS = 5_000;

/**
 * Starts a gRPC server (grpc-js) with `services`, plus the gRPC health service (`grpc.health.v1`,
 * open to everyone, SERVING until stop) and server reflection (v1 and v1alpha, describing exactly
 * the services served). Messages are bounded by GRPC_MAX_MESSAGE_BYTES both ways.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const health = new HealthImplementation({ '': 'SERVING' });
  const server = new Server({
    'grpc.max_receive_message_length': GRPC_MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': GRPC_MAX_MESSAGE_BYTES,
    ...(options.apiToken !== undefined && {
      interceptors: [apiTokenInterceptor(options.apiToken, new Set([HEALTH_SERVICE]))],
    }),
  });
  const healthProtos = loadHealthProtos();
  const names = [HEALTH_SERVICE];
  for (const service of options.services) {
    server.addService(service.definition, service.implementation);
    const name = serviceNameOf(service.definition);
    if (service.packageDefinition !== undefined) names.push(name);
    health.setStatus(name, 'SERVING');
  }
  health.addToServer(server);
  const described = Object.assign(
    {},
    healthProtos.packageDefinition,
    ...options.services.map((s) => s.packageDefinition ?? {}),
  ) as PackageDefinition;
  new ReflectionService(described, { services: names }).addToServer(server);

  const port = await bind(server, options);
  let stopping: Promise<void> | undefined;
  return {
    port,
    stop: (graceMs = DEFAULT_GRACE_MS) =>
      (stopping ??= new Promise<void>((resolve) => {
        for (const name of ['', ...names]) health.setStatus(name, 'NOT_SERVING');
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      })),
  };
}

/** The fully-qualified name of a service, from its methods' paths (`/pkg.Service/Method`). */
export function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (first === undefined) throw new TickflowError('a gRPC service without methods cannot be served');
  return serviceOf(first.path);
}

function credentials(tls: GrpcServerOptions['tls']): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.ca ?? null,
    [{ private_key: tls.key, cert_chain: tls.cert }],
    tls.ca !== undefined,
  );
}

/**
 * grpc-js prints its own line for a failed bind ("No address added out of total 1 resolved"), on
 * top of the error it hands back, which GrpcListenError turns into one clear line. Its logger is
 * process-wide (the etcd client's grpc-js is the same module), so only that line is dropped;
 * everything else still reaches the console as grpc-js writes it.
 */
function quietBindFailures(): void {
  setLogger({
    error: (...args: unknown[]) => {
      if (args.some((a) => typeof a === 'string' && a.includes('No address added out of total'))) return;
      console.error(...args);
    },
  });
}

function bind(server: Server, options: GrpcServerOptions): Promise<number> {
  quietBindFailures();
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials(options.tls), (error, port) => {
      if (error) {
        server.forceShutdown();
        // grpc-js says "No address added out of total 1 resolved" with the errno in between.
        const inUse = /EADDRINUSE|address already in use/i.test(error.message);
        reject(
          new GrpcListenError(
            inUse
              ? `gRPC port ${options.port} on ${options.host} is already in use`
              : `cannot serve gRPC on ${address}: ${error.message}`,
            { cause: error },
          ),
        );
        return;
      }
      resolve(port);
    });
  });
}
