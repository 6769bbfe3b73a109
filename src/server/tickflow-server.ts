import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { EtcdDataDirInUseError } from '../etcd/embedded-etcd-errors.js';
import type { ClusterLayout } from '../etcd/cluster-layout.js';
import { startEmbeddedEtcd, type EmbeddedEtcd } from '../etcd/embedded-etcd.js';
import { startEmbeddedMember } from '../etcd/embedded-member.js';
import { EtcdMembers } from '../etcd/etcd-members.js';
import { credentialsFile } from '../etcd/embedded-auth.js';
import type { EtcdCredentials } from '../etcd/etcd-credentials.js';
import { connectEtcd } from '../etcd/etcd-kv.js';
import type { KvStore } from '../etcd/kv-store.js';
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
import { TickflowError } from '../common/tickflow-error.js';
import { localTimeZone } from '../timers/local-time-zone.js';
import { resolveCronTimeZone } from '../timers/schedule/cron-time-zone.js';

export interface ServeOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Default 3500 (Dapr's HTTP port); 0 picks a free port (see `TickflowServer.port`). */
  port?: number;
  /**
   * The gRPC API's port (Dapr's Jobs methods, health, reflection). Default 50001 (Dapr's gRPC
   * port); 0 picks a free port (see `TickflowServer.grpcPort`); `false` serves no gRPC. It listens
   * on `host`, with the same token and TLS as HTTP.
   */
  grpcPort?: number | false;
  /**
   * Serve Dapr's Scheduler API (`dapr.proto.scheduler.v1.Scheduler`, for daprd sidecars) on this
   * port; 0 picks a free one; undefined (default) serves none (docs/dapr-scheduler.md).
   */
  schedulerGrpcPort?: number;
  /**
   * The `host:port` the Scheduler API publishes for `WatchHosts` (sidecars dial it); default
   * `host` and the port, a wildcard host becoming this machine's host name.
   */
  schedulerAdvertiseAddress?: string;
  /** `'embedded'` (default) runs etcd as a child process; otherwise the client URLs of a cluster. */
  etcd?: 'embedded' | string[];
  /**
   * Embedded HA: the embedded etcd is this replica's member of a cluster of replicas (each started
   * with the same layout); see docs/operations-ha.md.
   */
  etcdCluster?: { layout: ClusterLayout; state: 'new' | 'existing'; password: string };
  /** State of the embedded etcd lives in `{dataDir}/etcd`. Default `.tickflow`. */
  dataDir?: string;
  /**
   * Where job triggers go: with `appProtocol` `http`, base URLs (`POST {appUrl}/job/{name}`); with
   * `grpc`/`grpcs`, `host:port` of the app's gRPC server (`OnJobEventAlpha1`). Several (an array,
   * or comma-separated) are instances of one app, load-balanced. Without it triggers stay staged.
   */
  appUrl?: string | readonly string[];
  /** How triggers reach the app: `http` (default), `grpc` or `grpcs` (Dapr's `--app-protocol`). */
  appProtocol?: string;
  /** An ES module exporting `workflows` and `activities` objects. */
  workflowsModule?: string;
  appId?: string;
  namespace?: string;
  /** Deadline of one job callback to the app. Default 10 s. */
  appTimeoutMs?: number;
  /** Lease TTL of this replica's partitions. */
  leaseTtlSeconds?: number;
  /**
   * The zone of cron jobs without `CRON_TZ=`: `'local'` (default, the server's zone), `'UTC'` or
   * an IANA name; stored with each job when it is scheduled (see docs/jobs-api.md, "Time zones").
   */
  cronTimeZone?: string;
  /** Warnings and server errors, one line each. */
  log?: (line: string) => void;
  /** Every route but health requires this token in `dapr-api-token` (Dapr's `DAPR_API_TOKEN`). */
  apiToken?: string;
  /** Sent to the app in `dapr-api-token` with every callback (Dapr's `APP_API_TOKEN`). */
  appApiToken?: string;
  /** PEM file of the CA that signed an https app's certificate (else Node's trusted CAs). */
  appCaFile?: string;
  /** Allows a non-loopback `host` without an API token (anyone who can reach it may do anything). */
  insecure?: boolean;
  /** TLS and user/password for an external etcd (`etcd` given as https:// URLs). */
  etcdCredentials?: EtcdCredentials;
  /** PEM files for HTTPS: certificate and key; with `caFile`, clients need a certificate it signed. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /**
   * For an external etcd (`etcd` URLs): also defragment it and clear its NOSPACE alarm. Default
   * off: sizes, metrics and the 80 % warning only. The embedded etcd always gets all of it.
   */
  etcdMaintenance?: { defragment?: boolean; recover?: boolean };
  /** Pub/sub components, `name=redis://host:port` each (`--pubsub`; docs/jobs-api.md). */
  pubsub?: readonly string[];
  /** Apps that invocation jobs call, `app-id=url` each (`--app`); they may subscribe to topics too. */
  apps?: readonly string[];
}

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

/** Bad serve options or a failed start; the message is one line fit for a terminal. */
export class ServeError extends TickflowError {
  override name = 'ServeError';
}

const DEFAULT_PORT = 3500;
const DEFAULT_GRPC_PORT = 50001;
const STORE_CHECK_TIMEOUT_MS = 2_000;

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
    const client = new WorkflowClient({ kv, ...scope });
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

/** The embedded etcd in `{dataDir}/etcd`; a data dir another server runs on is refused at once. */
async function startServerEtcd(
  dataDir: string,
  cluster: ServeOptions['etcdCluster'],
  log: (line: string) => void,
): Promise<EmbeddedEtcd> {
  try {
    if (cluster !== undefined) {
      return await startEmbeddedMember({ dataDir: join(dataDir, 'etcd'), ...cluster, log });
    }
    // On owner-only unix sockets (no TCP port) and with auth: only this user's processes can
    // reach it, and those need the password from the owner-only credentials file.
    return await startEmbeddedEtcd({ dataDir: join(dataDir, 'etcd'), auth: true });
  } catch (error) {
    if (!(error instanceof EtcdDataDirInUseError)) throw error;
    const etcd = error.hosts?.join(',');
    throw new ServeError(
      `data dir ${JSON.stringify(dataDir)} is in use by process ${error.holderPid} (${error.holderCommand})` +
        (etcd === undefined ? '' : `, its etcd on ${etcd}`) +
        `: pass another --data-dir, or --etcd ${etcd ?? '<its etcd URLs>'} --etcd-user root with ` +
        `TICKFLOW_ETCD_PASSWORD from ${credentialsFile(join(dataDir, 'etcd'))} to share its etcd` +
        ` (if process ${error.holderPid} is not tickflow, delete ${error.lockFile})`,
    );
  }
}

/** Reads a PEM file up front, so a wrong path is one clear line, not a failed listen or callback. */
function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ServeError(
      `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

function readTls(files: { certFile: string; keyFile: string; caFile?: string }): {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
} {
  return {
    cert: readPem('--tls-cert', files.certFile),
    key: readPem('--tls-key', files.keyFile),
    ...(files.caFile !== undefined && { ca: readPem('--tls-ca', files.caFile) }),
  };
}

/**
 * Anyone who can reach the API can schedule, read and delete jobs and start or end workflows, so
 * it listens beyond loopback only behind a token, unless the operator says otherwise.
 */
function checkExposure(host: string, options: ServeOptions): void {
  if (options.apiToken !== undefined && options.apiToken.length < 16) {
    throw new ServeError('--api-token must be at least 16 characters (e.g. openssl rand -hex 32)');
  }
  if (options.appApiToken !== undefined && options.appApiToken === '') {
    throw new ServeError('--app-api-token must not be empty');
  }
  if (isLoopback(host) || options.apiToken !== undefined || options.insecure === true) return;
  throw new ServeError(
    `--host ${host} accepts requests from other machines, and without an API token anyone who can ` +
      'reach it may schedule, read and delete jobs and workflows: set --api-token (or TICKFLOW_API_TOKEN), ' +
      'or pass --insecure to run open on purpose',
  );
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
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

async function checkStore(kv: KvStore): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${STORE_CHECK_TIMEOUT_MS} ms`)),
      STORE_CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([kv.get('/tickflow/healthz'), timeout]);
  } finally {
    clearTimeout(timer);
  }
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
