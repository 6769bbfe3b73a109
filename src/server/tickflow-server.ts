import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { EmbeddedEtcd } from '../etcd/embedded-etcd.js';
import { EtcdMembers } from '../etcd/etcd-members.js';
import { connectEtcd } from '../etcd/etcd-kv.js';
import { WorkflowRuntimeStatus } from '../history/status.js';
import { WorkflowClient } from '../workflow-client.js';
import { WorkflowRuntime } from '../workflow-runtime.js';
import type { ApiDeps, ServerInfo } from './api-deps.js';
import { AppDelivery } from './app-delivery.js';
import { startActorReminders } from './actors/actor-reminders.js';
import { parseAppEndpoints, type AppProtocol } from './delivery/app-endpoints.js';
import type { DeliveryTransport } from './delivery/delivery-transport.js';
import { HttpTransport } from './delivery/http-transport.js';
import { attachEtcdUpkeep } from './etcd-metrics.js';
import { buildHttpApp } from './http-app.js';
import { registerUiRoutes } from './routes/ui-routes.js';
import { parseJobTargetServices, startJobTargetServices } from './job-target-services.js';
import { registerWorkerMetrics } from './worker-metrics.js';
import { ServerMetrics } from './server-metrics.js';
import { loadWorkflowModule, registerWorkflowModule } from './workflow-module.js';
import { checkExposure, readPem, readTls } from './serve-exposure.js';
import { ServeError, type ServeOptions } from './serve-options.js';
import { checkStore, startServerEtcd } from './server-etcd.js';
import { localTimeZone } from '../timers/local-time-zone.js';
import { resolveCronTimeZone } from '../timers/schedule/cron-time-zone.js';

export interface TickflowServer {
  /** `http://host:port` the API answers on. */
  readonly url: string;
  readonly port: number;
  /** The gRPC API's port, or undefined when gRPC is off. */
  readonly grpcPort: number | undefined;
  /** The Scheduler API's port, or undefined when it is not served. */
  readonly schedulerGrpcPort: number | undefined;
  readonly runtime: WorkflowRuntime;
  readonly etcd: EmbeddedEtcd | undefined;
  /**
   * Graceful shutdown: stops accepting requests, lets in-flight triggers settle and hands this
   * replica's partitions back, closes etcd connections and stops the embedded etcd.
   */
  stop(): Promise<void>;
}

export { ServeError, type ServeOptions } from './serve-options.js';

const DEFAULT_PORT = 3500;
const DEFAULT_GRPC_PORT = 50001;

/** Starts etcd (or connects), a timer-service replica, a workflow runtime and the HTTP API. */
export async function startServer(options: ServeOptions = {}): Promise<TickflowServer> {
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  checkExposure(host, options);
  const tls = options.tls === undefined ? undefined : readTls(options.tls);
  const appCa = options.appCaFile === undefined ? undefined : readPem('--app-ca', options.appCaFile);
  const appProtocol = (options.appProtocol ?? 'http') as AppProtocol;
  // The protocol is checked even without an app URL: a misspelt one should not pass unnoticed.
  const appUrls = parseAppEndpoints(options.appUrl === undefined ? [] : [options.appUrl].flat(), appProtocol);
  const appUrl = appUrls.length === 0 ? undefined : appUrls.join(',');
  const targetFlags = parseJobTargetServices({
    ...(options.pubsub !== undefined && { pubsub: options.pubsub }),
    ...(options.apps !== undefined && { apps: options.apps }),
  });
  // A misspelt zone should not cost an etcd start: the runtime would refuse it only after one.
  resolveCronTimeZone(options.cronTimeZone, localTimeZone);
  // Load user code first: a typo in the path should not cost an etcd start.
  const module =
    options.workflowsModule === undefined ? undefined : await loadWorkflowModule(options.workflowsModule);

  const undo: Array<() => Promise<void>> = [];
  const rollback = async (): Promise<void> => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  try {
    let etcd: EmbeddedEtcd | undefined;
    let hosts: string[];
    if (options.etcd === undefined || options.etcd === 'embedded') {
      const started = await startServerEtcd(options.dataDir ?? '.tickflow', options.etcdCluster, log);
      etcd = started;
      undo.push(() => started.stop());
      hosts = started.hosts;
    } else {
      hosts = options.etcd;
    }
    const kv = await connectEtcd({
      hosts,
      ...(etcd === undefined ? options.etcdCredentials : etcd.auth !== undefined && { auth: etcd.auth }),
    });
    undo.push(() => kv.close());

    const scope = {
      ...(options.namespace !== undefined && { namespace: options.namespace }),
      ...(options.appId !== undefined && { appId: options.appId }),
    };
    const runtime = new WorkflowRuntime({
      kv,
      ...scope,
      // Dapr SDK workers connected to the gRPC port run the workflows not registered here.
      remoteWorkers: options.grpcPort !== false,
      ...(options.leaseTtlSeconds !== undefined && { leaseTtlSeconds: options.leaseTtlSeconds }),
      ...(options.cronTimeZone !== undefined && { cronTimeZone: options.cronTimeZone }),
    });
    if (module) registerWorkflowModule(runtime, module);
    // The client writes only when an API call comes in, after `metrics` below exists.
    const client = new WorkflowClient({
      kv,
      ...scope,
      onStoreCommit: (e) => metrics.storeCommit('client', e),
    });
    const metrics = new ServerMetrics(runtime, client);
    if (runtime.workerHub) {
      registerWorkerMetrics(metrics.registry, runtime.workerHub);
      runtime.workerHub.on('connected', (label, n) => log(`worker connected: ${label} (${n} connected)`));
      runtime.workerHub.on('disconnected', (label, n) =>
        log(`worker disconnected: ${label} (${n} connected)`),
      );
    }
    runtime.on('warning', (e) => log(`warning: workflow runtime: ${e.message}`));
    // The API shows failures without their stack traces; the log keeps them.
    runtime.on('completed', (instanceId, status) => {
      if (status !== WorkflowRuntimeStatus.FAILED) return;
      void logFailure(client, instanceId, log);
    });
    runtime.timers.on('warning', (e) => log(`warning: timer service: ${e.message}`));
    const upkeep = await attachEtcdUpkeep({
      registry: metrics.registry,
      log,
      runtime,
      embedded: etcd?.maintenance,
      hosts,
      ...(options.etcdMaintenance !== undefined && { external: options.etcdMaintenance }),
      ...(options.etcdCredentials !== undefined && { credentials: options.etcdCredentials }),
    });
    undo.push(() => upkeep.stop());

    let delivery: AppDelivery | undefined;
    let actorReminders: { stop(): void } | undefined;
    if (appUrls.length > 0) {
      const transports = await appTransports(appUrls, appProtocol, options.appApiToken, appCa);
      const d = new AppDelivery({
        instances: transports,
        timeoutMs: options.appTimeoutMs ?? 10_000,
        onOutcome: (outcome) => metrics.recordDelivery(outcome),
        log,
      });
      metrics.watchAppInstances(() => d.instanceStates());
      d.attach(runtime.timers);
      undo.push(async () => d.close());
      delivery = d;
      // Reminder ticks go to the instances hosting the actor type (src/server/actors/).
      const actors = startActorReminders({
        timers: runtime.timers,
        delivery: d,
        transports,
        registry: metrics.registry,
        log,
      });
      undo.push(async () => actors.stop());
      actorReminders = actors;
    }
    // Publish and invoke job targets (src/server/pubsub, src/server/invoke); nothing without flags.
    const targets = startJobTargetServices({
      parsed: targetFlags,
      timers: runtime.timers,
      registry: metrics.registry,
      appId: runtime.timers.appId,
      ...(appProtocol === 'http' && { appUrls }),
      timeoutMs: options.appTimeoutMs ?? 10_000,
      ...(options.appApiToken !== undefined && { appApiToken: options.appApiToken }),
      ...(appCa !== undefined && { appCa }),
      onOutcome: (outcome) => metrics.recordDelivery(outcome),
      warn: (error) => {
        metrics.recordWarning('job-targets', error);
        log(`warning: job targets: ${error.message}`);
      },
      log,
    });
    undo.push(async () => {
      targets.stop();
      await targets.close();
    });
    await runtime.start();
    undo.push(() => runtime.stop());

    let ready = false;
    const info: ServerInfo = {
      version: packageVersion(),
      appUrl,
      appProtocol,
      etcd: { embedded: etcd !== undefined, hosts, ...(etcd && { pid: etcd.pid }) },
      workflowsModule: module?.path,
    };
    const deps: ApiDeps = {
      runtime,
      client,
      metrics,
      info,
      isReady: () => ready,
      requiresToken: options.apiToken !== undefined,
      checkStore: () => checkStore(kv),
      ...(targets.pubsub !== undefined && { pubsub: targets.pubsub }),
      ...(targets.invoke !== undefined && { invokeApps: targets.invoke }),
      ...(options.etcdCluster !== undefined &&
        etcd !== undefined && { etcdMembers: new EtcdMembers(etcd.hosts, etcd.auth) }),
    };
    const app = buildHttpApp(deps, {
      ...(options.apiToken !== undefined && { apiToken: options.apiToken }),
      ...(tls !== undefined && { tls }),
      onServerError: (error, request) =>
        log(
          `error: ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`,
        ),
    });
    // The web dashboard at /ui and its JSON routes (src/server/ui, docs/dashboard.md).
    registerUiRoutes(app, deps, { kv, log });
    const port = await listen(app, host, options.port ?? DEFAULT_PORT);
    undo.push(() => app.close());
    const grpcPort = options.grpcPort ?? DEFAULT_GRPC_PORT;
    const grpc =
      grpcPort === false ? undefined : await startGrpc(host, grpcPort, deps, log, options.apiToken, tls);
    if (grpc) undo.push(() => grpc.stop());
    // Dapr's Scheduler API for daprd sidecars (src/grpc/scheduler-api.ts), only when asked for.
    const scheduler =
      options.schedulerGrpcPort === undefined
        ? undefined
        : await (
            await import('../grpc/scheduler-api.js')
          ).startSchedulerApi({
            host,
            port: options.schedulerGrpcPort,
            ...(options.schedulerAdvertiseAddress !== undefined && {
              advertiseAddress: options.schedulerAdvertiseAddress,
            }),
            kv,
            registry: metrics.registry,
            log,
            warn: (error) => {
              metrics.recordWarning('scheduler', error);
              log(`warning: scheduler: ${error.message}`);
            },
            ...(options.leaseTtlSeconds !== undefined && { leaseTtlSeconds: options.leaseTtlSeconds }),
            ...(options.cronTimeZone !== undefined && { cronTimeZone: options.cronTimeZone }),
            ...(options.apiToken !== undefined && { apiToken: options.apiToken }),
            ...(tls !== undefined && { tls }),
          });
    if (scheduler) undo.push(() => scheduler.stop());
    ready = true;

    let stopping: Promise<void> | undefined;
    return {
      url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      grpcPort: grpc?.port,
      schedulerGrpcPort: scheduler?.port,
      runtime,
      etcd,
      stop: () =>
        (stopping ??= (async () => {
          ready = false;
          await Promise.all([app.close(), grpc?.stop(), scheduler?.stop()]);
          // No new callbacks start; the runtime's stop waits for those in flight.
          actorReminders?.stop();
          delivery?.stop();
          targets.stop();
          await runtime.stop();
          delivery?.close();
          await targets.close();
          await upkeep.stop();
          await kv.close();
          await etcd?.stop();
        })()),
    };
  } catch (error) {
    await rollback();
    throw error;
  }
}

/** One transport per app instance; the gRPC one is loaded only when used, as the gRPC API. */
async function appTransports(
  urls: readonly string[],
  protocol: AppProtocol,
  appApiToken: string | undefined,
  appCa: Buffer | undefined,
): Promise<DeliveryTransport[]> {
  const token = appApiToken === undefined ? {} : { appApiToken };
  if (protocol === 'http') {
    return urls.map((appUrl) => new HttpTransport({ appUrl, ...token, ...(appCa && { appCa }) }));
  }
  const { AppCallbackTransport } = await import('../grpc/app-callback-transport.js');
  const tls = protocol === 'grpcs' ? { tls: appCa === undefined ? {} : { ca: appCa } } : {};
  return urls.map((address) => new AppCallbackTransport({ address, ...token, ...tls }));
}

/** The gRPC API, loaded only when served (grpc-js and the protos cost ~100 ms and memory). */
async function startGrpc(
  host: string,
  port: number,
  deps: ApiDeps,
  log: (line: string) => void,
  apiToken: string | undefined,
  tls: { key: Buffer; cert: Buffer; ca?: Buffer } | undefined,
): Promise<{ port: number; stop(): Promise<void> }> {
  const { startGrpcApi } = await import('../grpc/grpc-api.js');
  const { GrpcListenError } = await import('../grpc/grpc-server.js');
  try {
    return await startGrpcApi({
      host,
      port,
      deps,
      log,
      ...(apiToken !== undefined && { apiToken }),
      ...(tls !== undefined && { tls }),
    });
  } catch (error) {
    if (error instanceof GrpcListenError) throw new ServeError(`${error.message}; pass another --grpc-port`);
    throw error;
  }
}

async function logFailure(
  client: WorkflowClient,
  instanceId: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const failure = (await client.getWorkflowState(instanceId, false))?.workflowFailureDetails;
    if (!failure) return;
    const stack = failure.stackTrace === undefined ? '' : `\n${failure.stackTrace}`;
    log(`workflow ${JSON.stringify(instanceId)} failed: ${failure.errorType}: ${failure.message}${stack}`);
  } catch (error) {
    log(`workflow ${JSON.stringify(instanceId)} failed (its details could not be read: ${String(error)})`);
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new ServeError(`port ${port} on ${host} is already in use; pass another --port`);
    if (code === 'EADDRNOTAVAIL') throw new ServeError(`cannot listen on ${host}: no such local address`);
    throw error;
  }
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}

function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
