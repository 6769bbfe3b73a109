import { systemClock } from '../common/clock.js';
import { CoalescedWarnings } from '../common/coalesced-warnings.js';
import { TickflowError } from '../common/tickflow-error.js';
import { hostname } from 'node:os';
import type { KvStore } from '../etcd/kv-store.js';
import type { CronTimeZone } from '../timers/schedule/cron-time-zone.js';
import { TimerService } from '../timers/timer-service.js';
import { SidecarHub } from '../scheduler/sidecar-hub.js';
import type { MetricsRegistry } from '../server/prometheus.js';
import { GrpcListenError, startGrpcServer } from './grpc-server.js';
import { loadDaprSchedulerProtos } from './protos.js';
import { registerSchedulerMetrics } from './scheduler-metrics.js';
import { SchedulerHosts } from './scheduler-hosts.js';
import { schedulerService } from './scheduler-service.js';

/**
 * The timer-service scope every Scheduler job and reminder is stored in, whatever its Dapr
 * namespace and app: `/tickflow/_dapr-scheduler/jobs/timers/...`. One scope, as Dapr's scheduler
 * keeps one key space, so one set of partitions is shared by the replicas whatever the number of
 * apps; the leading `_` cannot be a Kubernetes namespace, so no Dapr namespace collides with it.
 */
export const SCHEDULER_SCOPE = { namespace: '_dapr-scheduler', appId: 'jobs' } as const;

/** Streams one replica takes at once (`WatchJobs`). */
export const DEFAULT_MAX_SIDECAR_STREAMS = 1_000;
/** Triggers in flight on one stream at once. */
export const DEFAULT_MAX_INFLIGHT_PER_STREAM = 100;
/**
 * Triggers in flight at once for one app (or actor type) of a namespace, over all its streams: a
 * quarter of the timer service's 2,048 slots, so an app whose sidecars stop answering cannot hold
 * them all.
 */
export const DEFAULT_MAX_INFLIGHT_PER_APP = 512;
/** How long a trigger waits for the sidecar's answer before it counts as failed. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 60_000;

/** A sidecar did not answer a trigger in time (a warning: the failure policy retries the trigger). */
export class SchedulerAnswerTimeoutError extends TickflowError {
  override name = 'SchedulerAnswerTimeoutError';
}

/** Options of `startSchedulerApi`. */
export interface SchedulerApiOptions {
  /** Interface to listen on (as the other APIs). */
  host: string;
  /** 0 picks a free port. */
  port: number;
  kv: KvStore;
  leaseTtlSeconds?: number;
  cronTimeZone?: CronTimeZone;
  /** When set, every call but health needs it in `dapr-api-token` metadata. */
  apiToken?: string;
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer };
  registry: MetricsRegistry;
  /** Warnings (the timer service's, sidecars that do not answer), coalesced; counted by the caller. */
  warn: (error: Error) => void;
  /** Connects, disconnects and server errors, one line each. */
  log: (line: string) => void;
  /**
   * The `host:port` sidecars reach this replica at, published for `WatchHosts` (default: `host`
   * and the port; a wildcard host such as `0.0.0.0` becomes this machine's host name).
   */
  advertiseAddress?: string;
  answerTimeoutMs?: number;
  maxStreams?: number;
  maxInflightPerStream?: number;
  maxInflightPerApp?: number;
}

/** The running Scheduler API. */
export interface SchedulerApi {
  /** The port it listens on. */
  readonly port: number;
  /** Its timer-service replica (the scheduler's scope). */
  readonly timers: TimerService;
  /** Ends the streams (unanswered triggers are staged), stops serving and hands the partitions back. */
  stop(): Promise<void>;
}

/**
 * Serves Dapr's Scheduler (`dapr.proto.scheduler.v1.Scheduler`) on its own port, for daprd
 * sidecars started with `--scheduler-host-address`: a timer-service replica of the scheduler's
 * scope, the hub that routes its triggers to the `WatchJobs` streams, and the gRPC server (health,
 * reflection and the API token as on the main gRPC port).
 */
export async function startSchedulerApi(o: SchedulerApiOptions): Promise<SchedulerApi> {
  const timers = new TimerService({
    kv: o.kv,
    ...SCHEDULER_SCOPE,
    ...(o.leaseTtlSeconds !== undefined && { leaseTtlSeconds: o.leaseTtlSeconds }),
    ...(o.cronTimeZone !== undefined && { cronTimeZone: o.cronTimeZone }),
  });
  timers.on('warning', o.warn);
  const hub = new SidecarHub({
    timers,
    maxConnections: o.maxStreams ?? DEFAULT_MAX_SIDECAR_STREAMS,
    maxInflightPerConnection: o.maxInflightPerStream ?? DEFAULT_MAX_INFLIGHT_PER_STREAM,
    maxInflightPerTarget: o.maxInflightPerApp ?? DEFAULT_MAX_INFLIGHT_PER_APP,
  });
  const counters = registerSchedulerMetrics(o.registry, hub, timers);
  const answerTimeoutMs = o.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  // A sidecar that stops answering repeats the same warning for every trigger: one line per kind
  // and interval, with the count of the rest.
  const warnings = new CoalescedWarnings({ clock: systemClock, emit: o.warn });
  hub.on('outcome', (outcome, _trigger, connection) => {
    if (outcome !== 'timeout') return;
    const a = connection.announcement;
    warnings.report(
      new SchedulerAnswerTimeoutError(
        `a sidecar of ${a.namespace}/${a.appId} did not answer a trigger within ${answerTimeoutMs} ms; ` +
          'the job\'s failure policy retries it (counted in tickflow_scheduler_triggers_total{outcome="timeout"})',
      ),
    );
  });
  hub.on('connected', (label, n) => o.log(`scheduler: sidecar connected: ${label} (${n} connected)`));
  hub.on('disconnected', (label, n) => o.log(`scheduler: sidecar disconnected: ${label} (${n} connected)`));
  const hosts = new SchedulerHosts({
    kv: o.kv,
    prefix: `/tickflow/${SCHEDULER_SCOPE.namespace}/${SCHEDULER_SCOPE.appId}/scheduler/hosts/`,
    memberId: timers.memberId,
    leaseTtlSeconds: o.leaseTtlSeconds ?? 10,
    warn: (error) => warnings.report(error),
  });
  const service = schedulerService({
    protos: loadDaprSchedulerProtos(),
    timers,
    hub,
    hosts,
    answerTimeoutMs,
    onUnmatchedAnswer: () => counters.unmatchedAnswer(),
    onRefusedStream: () => counters.refusedStream(),
    onServerError: (method, error) =>
      o.log(`error: scheduler ${method}: ${error instanceof Error ? error.message : String(error)}`),
  });
  await timers.start();
  try {
    const server = await startGrpcServer({
      host: o.host,
      port: o.port,
      services: [service],
      ...(o.apiToken !== undefined && { apiToken: o.apiToken }),
      ...(o.tls !== undefined && { tls: o.tls }),
    });
    const port = server.port;
    try {
      await hosts.start(o.advertiseAddress ?? advertisedAddress(o.host, port));
    } catch (error) {
      await hosts.stop();
      await server.stop(0);
      throw error;
    }
    let stopping: Promise<void> | undefined;
    return {
      port,
      timers,
      stop: () =>
        (stopping ??= (async () => {
          service.close();
          await hosts.stop();
          await server.stop();
          await timers.stop();
          warnings.flush();
        })()),
    };
  } catch (error) {
    await timers.stop();
    if (error instanceof GrpcListenError) {
      throw new GrpcListenError(`scheduler: ${error.message}; pass another --scheduler-grpc-port`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** `host:port` as a sidecar dials it: brackets for IPv6, the host name for a wildcard address. */
export function advertisedAddress(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const name = wildcard ? hostname() : host;
  return `${name.includes(':') ? `[${name}]` : name}:${port}`;
}
