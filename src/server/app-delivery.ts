import type { JobTrigger, TriggerResult } from '../timers/schedule/job.js';
import type { TimerService } from '../timers/timer-service.js';
import { AppEndpointError } from './delivery/app-endpoints.js';
import { AppInstances } from './delivery/app-instances.js';
import type { DeliveryTransport } from './delivery/delivery-transport.js';
import { jobCallback, type JobCallback } from './delivery/job-callback.js';

/** The timer-service target of jobs scheduled through the HTTP API. */
export const APP_TARGET = 'app';

/**
 * What one callback attempt to one app instance came to (the `outcome` label of
 * `tickflow_app_deliveries_total`): `ok`, `not_found` (no handler: counts as delivered),
 * `app_error` (an error answer) and `timeout` (no answer in time) are answers of the app;
 * `refused` and `unreachable` mean it was not reached.
 */
export type DeliveryOutcome = 'ok' | 'not_found' | 'app_error' | 'timeout' | 'refused' | 'unreachable';

/** Options of `AppDelivery`. */
export interface AppDeliveryOptions {
  /** One transport per app instance (at least one; see `MAX_APP_INSTANCES`). */
  instances: readonly DeliveryTransport[];
  /** Deadline of one callback attempt to one instance, connecting included. */
  timeoutMs: number;
  /** Every attempt's outcome, with the instance it went to. */
  onOutcome?: (outcome: DeliveryOutcome, trigger: JobTrigger, instance: string) => void;
  /** Longest pause between two probes of an instance that cannot be reached. Default 2 s. */
  maxProbeIntervalMs?: number;
  /** Where failures are reported: the first of each job, and each instance's outages. */
  log?: (line: string) => void;
  /** Chooses among reachable instances; [0, 1) like Math.random. */
  random?: () => number;
}

/** Jobs whose first failure was logged are remembered up to this many, then forgotten together. */
const LOGGED_JOBS_LIMIT = 10_000;

/**
 * Delivers job triggers to the app, whatever the protocol (the transports differ, the policy is
 * this one): each trigger goes to a reachable instance picked at random. An answer decides: OK
 * and "no handler" (404, UNIMPLEMENTED, NOT_FOUND) count as delivered, as in Dapr; an error
 * answer or no answer in time after the request was sent is a failure the job's failure policy
 * retries. An instance that cannot be reached (refused, DNS, connect timeout, TLS, reset before
 * an answer) costs no retry: the next reachable instance gets the trigger, and when none is left
 * it is staged; unreachable instances are probed with backoff, and staged triggers are re-offered
 * once one answers.
 */
export class AppDelivery {
  readonly #o: AppDeliveryOptions;
  readonly #instances: AppInstances;
  #timers: TimerService | undefined;
  #unsubscribe: Array<() => void> = [];
  #retryQueued = false;
  #stopped = false;
  /** Jobs whose first failed delivery was logged (so a retrying job logs once, not per attempt). */
  readonly #logged = new Set<string>();
  /** Told when an instance answers again (actor reminders re-offer their own staged triggers). */
  readonly #reachableListeners = new Set<(transport: DeliveryTransport) => void>();

  constructor(options: AppDeliveryOptions) {
    if (options.instances.length === 0) {
      throw new AppEndpointError(undefined, {
        invalid: { field: 'instances', value: [], allowed: 'at least one app instance' },
      });
    }
    this.#o = options;
    this.#instances = new AppInstances(options.instances, {
      maxProbeIntervalMs: options.maxProbeIntervalMs ?? 2_000,
      onReachable: (transport, failedProbes) => {
        this.#o.log?.(
          `app instance ${transport.instance} answers again (after ${failedProbes} failed probes); ` +
            'it takes deliveries, and staged triggers are re-offered',
        );
        this.#retryStaged();
        for (const listener of this.#reachableListeners) listener(transport);
      },
      ...(options.random !== undefined && { random: options.random }),
    });
  }

  /** Takes over the `app` target of `timers` and watches its staging queue. */
  attach(timers: TimerService): void {
    this.#timers = timers;
    // A trigger staged after the instance that was down answered again (its delivery was still
    // on its way back when the probe passed) would wait for the next outage: re-offer it now.
    const onStaged = (_name: string, target: string): void => {
      if (target === APP_TARGET && this.#instances.anyReachable()) this.#retryStaged();
    };
    timers.on('staged', onStaged);
    this.#unsubscribe.push(() => timers.off('staged', onStaged));
    this.#unsubscribe.push(timers.onTrigger(APP_TARGET, (trigger) => this.deliver(trigger)));
  }

  /** Stops probing and gives the `app` target back; in-flight callbacks finish on their own. */
  stop(): void {
    this.#stopped = true;
    this.#instances.stop();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  /** After `stop()` and once in-flight callbacks settled: frees the transports' connections. */
  close(): void {
    this.stop();
    for (const transport of this.#o.instances) transport.close();
  }

  /** Each app instance and whether it is reachable now. */
  instanceStates(): Array<{ instance: string; reachable: boolean }> {
    return this.#instances.states();
  }

  /** Whether deliveries go to `transport` now (false while it is probed). */
  isReachable(transport: DeliveryTransport): boolean {
    return this.#instances.states().some((s) => s.instance === transport.instance && s.reachable);
  }

  /** Calls `listener` each time an instance that could not be reached answers a probe again. */
  onReachable(listener: (transport: DeliveryTransport) => void): () => void {
    this.#reachableListeners.add(listener);
    return () => this.#reachableListeners.delete(listener);
  }

  /** One trigger: to a reachable instance, the next if that one cannot be reached, else staged. */
  deliver(trigger: JobTrigger): Promise<TriggerResult> {
    return this.deliverCallback(trigger, jobCallback(trigger));
  }

  /**
   * The same policy for a callback of another target (an actor reminder), sent only to the
   * instances in `hosts` (default: all): those not in it count as tried, so when no reachable
   * one is left the trigger is `undeliverable` and the caller's target stages it.
   */
  async deliverCallback(
    trigger: JobTrigger,
    callback: JobCallback,
    hosts?: ReadonlySet<DeliveryTransport>,
  ): Promise<TriggerResult> {
    const tried = new Set<DeliveryTransport>(
      hosts === undefined ? [] : this.#o.instances.filter((t) => !hosts.has(t)),
    );
    // Each instance is tried at most once, so this ends after MAX_APP_INSTANCES attempts.
    for (let transport = this.#instances.pick(tried); transport; transport = this.#instances.pick(tried)) {
      tried.add(transport);
      const result = await transport.send(callback, this.#o.timeoutMs);
      if (result.kind === 'unreachable') {
        this.#o.onOutcome?.(result.refused ? 'refused' : 'unreachable', trigger, transport.instance);
        if (this.#instances.markUnreachable(transport)) {
          this.#logOutage(trigger, callbackTarget(transport, callback), result.detail);
        }
        continue;
      }
      this.#o.onOutcome?.(result.kind, trigger, transport.instance);
      this.#instances.markAnswered(transport);
      if (result.kind === 'ok' || result.kind === 'not_found') return 'success';
      this.#logFirstFailure(trigger, callbackTarget(transport, callback), result.detail);
      return 'failed';
    }
    return 'undeliverable';
  }

  /** Coalesced: any number of stagings in one turn re-offer the queue once. */
  #retryStaged(): void {
    if (this.#retryQueued || this.#stopped) return;
    this.#retryQueued = true;
    setImmediate(() => {
      this.#retryQueued = false;
      if (!this.#stopped) this.#timers?.retryStaged(APP_TARGET);
    });
  }

  #logOutage(trigger: JobTrigger, target: string, cause: string): void {
    const next = this.#instances.anyReachable()
      ? 'its deliveries go to the other instances'
      : 'triggers are staged (no retry is spent)';
    this.#o.log?.(
      `warning: job ${JSON.stringify(trigger.name)}: delivery to ${target} failed ` +
        `(attempt ${trigger.attempt}): ${cause}; the app instance cannot be reached, so ${next} ` +
        'until it answers a probe (failures to reach it are counted in tickflow_app_deliveries_total, not logged)',
    );
  }

  #logFirstFailure(trigger: JobTrigger, target: string, cause: string): void {
    if (!this.#o.log || this.#logged.has(trigger.name)) return;
    if (this.#logged.size >= LOGGED_JOBS_LIMIT) this.#logged.clear();
    this.#logged.add(trigger.name);
    this.#o.log(
      `warning: job ${JSON.stringify(trigger.name)}: delivery to ${target} failed ` +
        `(attempt ${trigger.attempt}): ${cause}; its failure policy decides what next ` +
        `(later failures of this job are counted in tickflow_app_deliveries_total, not logged)`,
    );
  }
}

/** Where a callback went, for logs: the transport's target, or the path of a callback with its own request. */
function callbackTarget(transport: DeliveryTransport, callback: JobCallback): string {
  return callback.request === undefined ? transport.target : `${transport.instance}${callback.request.path}`;
}
