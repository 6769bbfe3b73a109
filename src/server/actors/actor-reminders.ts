import type { TimerService } from '../../timers/timer-service.js';
import type { AppDelivery } from '../app-delivery.js';
import { HttpTransport } from '../delivery/http-transport.js';
import type { DeliveryTransport } from '../delivery/delivery-transport.js';
import { CallbackGauge, Counter, type MetricsRegistry } from '../prometheus.js';
import { ActorHosts } from './actor-hosts.js';
import { ActorReminderDelivery } from './actor-reminder-delivery.js';

/** Options of `startActorReminders`. */
export interface ActorRemindersOptions {
  timers: TimerService;
  delivery: AppDelivery;
  /** The app's instances, as `delivery` has them; only HTTP ones can host actors. */
  transports: readonly DeliveryTransport[];
  registry: MetricsRegistry;
  /** Pause between two reads of an instance's `/dapr/config`. Default 10 s. */
  configRefreshMs?: number;
  log?: (line: string) => void;
}

/**
 * Wires actor reminders into `tickflow serve`: reads which actor types each HTTP app instance
 * hosts, delivers reminder ticks to those instances, and exports `tickflow_actor_config_reads_total`
 * and `tickflow_actor_types_hosted` in `/metrics`. With a gRPC app there is nothing to read (Dapr's
 * gRPC app callback has no actor calls): reminders are stored and staged until an HTTP app runs.
 */
export function startActorReminders(options: ActorRemindersOptions): { stop(): void } {
  const http = options.transports.filter((t): t is HttpTransport => t instanceof HttpTransport);
  const reads = options.registry.register(
    new Counter(
      'tickflow_actor_config_reads_total',
      "Reads of app instances' GET /dapr/config (the actor types they host), by outcome (ok, failed).",
    ),
  );
  let delivery: ActorReminderDelivery | undefined = undefined;
  const hosts = new ActorHosts(http, {
    ...(options.configRefreshMs !== undefined && { refreshMs: options.configRefreshMs }),
    // New types may let staged reminder ticks go.
    onChange: () => delivery?.retryStaged(),
    onFetch: (outcome) => reads.inc({ outcome }),
    ...(options.log !== undefined && { log: options.log }),
  });
  options.registry.register(
    new CallbackGauge(
      'tickflow_actor_types_hosted',
      'Per app instance, how many actor types it announced in GET /dapr/config.',
      () => hosts.types().map(({ instance, types }) => ({ labels: { instance }, value: types.length })),
    ),
  );
  const d = new ActorReminderDelivery({
    delivery: options.delivery,
    hosts,
    ...(options.log !== undefined && { log: options.log }),
  });
  delivery = d;
  d.attach(options.timers);
  // An instance that answers again may have restarted with other types: read them at once.
  const offReachable = options.delivery.onReachable((transport) => hosts.refresh(transport));
  hosts.start();
  return {
    stop: () => {
      offReachable();
      d.stop();
      hosts.stop();
    },
  };
}
