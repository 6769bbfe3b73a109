import { DEFAULT_MAX_PAYLOAD_BYTES } from '../engine/payload-limit.js';
import type { TimerService } from '../timers/timer-service.js';
import type { DeliveryOutcome } from './app-delivery.js';
import { InvokeDelivery } from './invoke/invoke-delivery.js';
import { parseRegisteredApps } from './invoke/registered-apps.js';
import { attachPublishJobs } from './pubsub/publish-job-handler.js';
import { createBrokers, parsePubSubComponents } from './pubsub/pubsub-components.js';
import { PubSubMetrics } from './pubsub/pubsub-metrics.js';
import { PubSubService } from './pubsub/pubsub-service.js';
import type { MetricsRegistry } from './prometheus.js';

/** Envelope fields beside `data` (ids, trace context, names) fit in this; see `maxMessageBytes`. */
const ENVELOPE_BYTES = 16 * 1024;

/** What `parseJobTargetServices` checks before anything starts. */
export interface JobTargetServiceFlags {
  /** `--pubsub name=redis://host:port` values. */
  pubsub?: readonly string[];
  /** `--app app-id=url` values. */
  apps?: readonly string[];
}

/** The checked flags, ready to start. */
export type ParsedJobTargetServices = ReturnType<typeof parseJobTargetServices>;

/**
 * Checks `--pubsub` and `--app` (throws `PubSubConfigError`, `RegisteredAppError`), so a typo costs
 * no etcd start.
 */
export function parseJobTargetServices(flags: JobTargetServiceFlags) {
  return { pubsub: parsePubSubComponents(flags.pubsub ?? []), apps: parseRegisteredApps(flags.apps ?? []) };
}

/** What the publish and invoke targets run with. */
export interface JobTargetServicesOptions {
  parsed: ParsedJobTargetServices;
  timers: TimerService;
  registry: MetricsRegistry;
  /** This server's app id (the envelopes' `source`, and its app's consumer group). */
  appId: string;
  /** The `--app-url` app's instances (HTTP): they subscribe to topics too, sharing its messages. */
  appUrls?: readonly string[];
  timeoutMs: number;
  appApiToken?: string;
  appCa?: Buffer;
  onOutcome: (outcome: DeliveryOutcome) => void;
  /** Warnings of ticks that could not act (counted in tickflow_warnings_total by the caller). */
  warn: (error: Error) => void;
  log: (line: string) => void;
}

/** The running publish and invoke targets. */
export interface JobTargetServices {
  pubsub: PubSubService | undefined;
  invoke: InvokeDelivery | undefined;
  /** Gives the targets back and stops reading topics; in-flight work finishes on its own. */
  stop(): void;
  /** After `stop()` and the runtime's stop: closes broker and app connections. */
  close(): Promise<void>;
}

/**
 * Starts the `publish` and `invoke:{appId}` job targets: the pub/sub components (their brokers,
 * and each subscribing app's reads: the `--app-url` app and every `--app`), and the registered
 * apps' invocation delivery. Nothing runs for a flag not given.
 */
export function startJobTargetServices(o: JobTargetServicesOptions): JobTargetServices {
  const { parsed } = o;
  let pubsub: PubSubService | undefined;
  let stopPublish: (() => void) | undefined;
  if (parsed.pubsub.length > 0) {
    const metrics = new PubSubMetrics(o.registry);
    pubsub = new PubSubService({
      brokers: createBrokers(parsed.pubsub, {
        maxMessageBytes: DEFAULT_MAX_PAYLOAD_BYTES + ENVELOPE_BYTES,
        log: o.log,
        onError: (name) => metrics.brokerError(name),
      }),
      subscribers: [
        // Each instance of the app reads as its own consumer of the app's group, so the broker
        // spreads the app's messages over its instances, as Dapr's replicas share a group.
        ...(o.appUrls ?? []).map((url, index) => ({ appId: o.appId, url, consumer: String(index) })),
        ...parsed.apps.filter((a) => a.appId !== o.appId),
      ],
      source: o.appId,
      timeoutMs: o.timeoutMs,
      ...(o.appApiToken !== undefined && { appApiToken: o.appApiToken }),
      metrics,
      log: o.log,
    });
    stopPublish = attachPublishJobs(o.timers, pubsub, o.warn);
    pubsub.start();
  }
  let invoke: InvokeDelivery | undefined;
  if (parsed.apps.length > 0) {
    invoke = new InvokeDelivery({
      apps: parsed.apps,
      timeoutMs: o.timeoutMs,
      ...(o.appApiToken !== undefined && { appApiToken: o.appApiToken }),
      ...(o.appCa !== undefined && { appCa: o.appCa }),
      onOutcome: o.onOutcome,
      log: o.log,
    });
    invoke.attach(o.timers);
  }
  return {
    pubsub,
    invoke,
    stop: () => {
      stopPublish?.();
      invoke?.stop();
    },
    close: async () => {
      invoke?.close();
      await pubsub?.close();
    },
  };
}
