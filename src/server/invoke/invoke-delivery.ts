import { AppDelivery, type DeliveryOutcome } from '../app-delivery.js';
import { HttpTransport } from '../delivery/http-transport.js';
import { jobCallback } from '../delivery/job-callback.js';
import type { JobTrigger, TriggerResult } from '../../timers/schedule/job.js';
import type { TimerService } from '../../timers/timer-service.js';
import { invokeTarget, type InvokeJobTarget } from '../job-targets/invoke-job-target.js';
import type { RegisteredApp } from './registered-apps.js';

/** Options of `InvokeDelivery`. */
export interface InvokeDeliveryOptions {
  apps: readonly RegisteredApp[];
  /** Deadline of one call, connecting included (`--app-timeout`). */
  timeoutMs: number;
  appApiToken?: string;
  appCa?: Buffer;
  onOutcome?: (outcome: DeliveryOutcome, trigger: JobTrigger, instance: string) => void;
  log?: (line: string) => void;
}

/**
 * Scheduled service invocation: each registered app's invocation jobs (timer target
 * `invoke:{appId}`) are calls to `{url}/{method}`, sent by the same policy as the app's job
 * callbacks (`AppDelivery`): 2xx and 404 count as done, another answer or no answer in time
 * fails the tick (its failure policy retries), an app that cannot be reached stages it (no retry
 * spent) until a probe of the app passes. The tick's headers (`tickflow-delivery-id`, ...) go
 * with every call, so the app can de-duplicate a redelivered tick.
 */
export class InvokeDelivery {
  readonly #deliveries = new Map<string, AppDelivery>();
  readonly #unsubscribe: Array<() => void> = [];

  constructor(options: InvokeDeliveryOptions) {
    for (const app of options.apps) {
      const transport = new HttpTransport({
        appUrl: app.url,
        ...(options.appApiToken !== undefined && { appApiToken: options.appApiToken }),
        ...(options.appCa !== undefined && { appCa: options.appCa }),
      });
      this.#deliveries.set(
        app.appId,
        new AppDelivery({
          instances: [transport],
          timeoutMs: options.timeoutMs,
          ...(options.onOutcome !== undefined && { onOutcome: options.onOutcome }),
          ...(options.log !== undefined && { log: options.log }),
        }),
      );
    }
  }

  /** The registered app ids, for error messages. */
  get appIds(): string[] {
    return [...this.#deliveries.keys()];
  }

  has(appId: string): boolean {
    return this.#deliveries.has(appId);
  }

  /** Takes over the `invoke:{appId}` target of each registered app. */
  attach(timers: TimerService): void {
    for (const [appId, delivery] of this.#deliveries) {
      const target = invokeTarget(appId);
      this.#unsubscribe.push(timers.onTrigger(target, (trigger) => this.#invoke(delivery, trigger)));
      // Staged calls of this app are offered again as soon as it answers a probe; one staged
      // just after that (its attempt was under way) is offered again at once.
      this.#unsubscribe.push(delivery.onReachable(() => timers.retryStaged(target)));
      const onStaged = (_name: string, stagedTarget: string): void => {
        if (stagedTarget !== target) return;
        if (delivery.instanceStates().some((s) => s.reachable))
          setImmediate(() => timers.retryStaged(target));
      };
      timers.on('staged', onStaged);
      this.#unsubscribe.push(() => timers.off('staged', onStaged));
    }
  }

  /** Stops probing; in-flight calls finish on their own. */
  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const delivery of this.#deliveries.values()) delivery.stop();
  }

  /** After `stop()` and once in-flight calls settled: frees connections. */
  close(): void {
    this.stop();
    for (const delivery of this.#deliveries.values()) delivery.close();
  }

  #invoke(delivery: AppDelivery, trigger: JobTrigger): Promise<TriggerResult> {
    const target = trigger.data as unknown as InvokeJobTarget;
    const path = `/${target.method.split('/').map(encodeURIComponent).join('/')}`;
    const callback = {
      ...jobCallback({ ...trigger, data: target.data }),
      request: { method: target.httpVerb ?? 'POST', path },
    };
    return delivery.deliverCallback(trigger, callback);
  }
}
