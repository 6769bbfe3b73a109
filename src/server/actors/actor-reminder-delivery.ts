import type { JobTrigger, TriggerResult } from '../../timers/schedule/job.js';
import type { TimerService } from '../../timers/timer-service.js';
import type { AppDelivery } from '../app-delivery.js';
import { jobCallback, type JobCallback } from '../delivery/job-callback.js';
import type { ActorHosts } from './actor-hosts.js';
import { ACTOR_REMINDER_TARGET, parseReminderJobName } from './actor-reminder-names.js';
import { remindBody, storedReminder, type StoredReminder } from './actor-reminder-spec.js';

/** Reminders whose unreadable data was logged are remembered up to this many, then forgotten together. */
const LOGGED_LIMIT = 10_000;

/**
 * Delivers the ticks of actor reminders as Dapr does: `PUT
 * {app}/actors/{type}/{id}/method/remind/{name}` with `{"data", "dueTime", "period"}`, to an app
 * instance that announced the actor type, and to no other (a type only one instance hosts goes to
 * that instance only). The policy is `AppDelivery`'s: a random reachable host, the next one if it
 * cannot be reached, the failure policy for error answers. A tick no reachable instance hosts is
 * staged, without spending a retry, and offered again when an instance answers again or
 * announces new types.
 */
export class ActorReminderDelivery {
  readonly #delivery: AppDelivery;
  readonly #hosts: ActorHosts;
  readonly #log: ((line: string) => void) | undefined;
  #timers: TimerService | undefined;
  #unsubscribe: Array<() => void> = [];
  #retryQueued = false;
  #stopped = false;
  readonly #logged = new Set<string>();

  constructor(options: { delivery: AppDelivery; hosts: ActorHosts; log?: (line: string) => void }) {
    this.#delivery = options.delivery;
    this.#hosts = options.hosts;
    this.#log = options.log;
  }

  /** Takes the actor-reminder target of `timers`. */
  attach(timers: TimerService): void {
    this.#timers = timers;
    // A tick staged while a host of its type answers (it went down and up again while the tick
    // was on its way) would otherwise wait for the next change: offer the queue again. A type no
    // reachable instance hosts never triggers this, so staging cannot loop.
    const onStaged = (name: string, target: string): void => {
      if (target !== ACTOR_REMINDER_TARGET) return;
      const key = parseReminderJobName(name);
      if (key && this.#reachableHost(key.actorType)) this.retryStaged();
    };
    timers.on('staged', onStaged);
    this.#unsubscribe.push(() => timers.off('staged', onStaged));
    this.#unsubscribe.push(
      this.#delivery.onReachable(() => this.retryStaged()),
      timers.onTrigger(ACTOR_REMINDER_TARGET, (trigger) => this.deliver(trigger)),
    );
  }

  /** Offers the staged reminder ticks again (coalesced: any number of calls in one turn, once). */
  retryStaged(): void {
    if (this.#retryQueued || this.#stopped) return;
    this.#retryQueued = true;
    setImmediate(() => {
      this.#retryQueued = false;
      if (!this.#stopped) this.#timers?.retryStaged(ACTOR_REMINDER_TARGET);
    });
  }

  /** Gives the target back and stops re-offering; in-flight remind calls finish on their own. */
  stop(): void {
    this.#stopped = true;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  /** One tick: to a reachable instance hosting its type, else `undeliverable` (staged). */
  async deliver(trigger: JobTrigger): Promise<TriggerResult> {
    const reminder = storedReminder(trigger.data);
    if (reminder === undefined) {
      this.#logUnreadable(trigger);
      return 'failed';
    }
    const hosts = this.#hosts.hostsOf(reminder.actorType);
    if (hosts.size === 0) return 'undeliverable';
    return this.#delivery.deliverCallback(trigger, remindCallback(trigger, reminder), hosts);
  }

  #reachableHost(actorType: string): boolean {
    return [...this.#hosts.hostsOf(actorType)].some((t) => this.#delivery.isReachable(t));
  }

  #logUnreadable(trigger: JobTrigger): void {
    if (this.#logged.has(trigger.name)) return;
    if (this.#logged.size >= LOGGED_LIMIT) this.#logged.clear();
    this.#logged.add(trigger.name);
    this.#log?.(
      `warning: actor reminder job ${JSON.stringify(trigger.name)} holds no readable reminder ` +
        "(written by something else under the reminders' names?); its failure policy decides what next",
    );
  }
}

/** The remind call of one tick; its headers are a job callback's (name, tick, attempt, delivery id). */
export function remindCallback(trigger: JobTrigger, reminder: StoredReminder): JobCallback {
  return {
    ...jobCallback(trigger),
    data: remindBody(reminder),
    request: {
      method: 'PUT',
      path:
        `/actors/${encodeURIComponent(reminder.actorType)}/${encodeURIComponent(reminder.actorId)}` +
        `/method/remind/${encodeURIComponent(reminder.name)}`,
    },
  };
}
