import { EventEmitter } from 'eventemitter3';
import { TickflowError } from '../common/tickflow-error.js';
import type { JobTrigger, TriggerHandler, TriggerResult } from '../timers/schedule/job.js';
import { actorTriggerTarget, appTriggerTarget } from './scheduler-keys.js';

/** What a sidecar announced in the first message of its `WatchJobs` stream. */
export interface SidecarAnnouncement {
  readonly namespace: string;
  readonly appId: string;
  /** The actor types it hosts (their reminders go to it). */
  readonly actorTypes: readonly string[];
  /** Whether it takes the app's jobs (`accept_job_types` empty or naming JOB_TARGET_TYPE_JOB). */
  readonly acceptsJobs: boolean;
  /** Whether it takes actor reminders (`accept_job_types` empty or naming ACTOR_REMINDER). */
  readonly acceptsReminders: boolean;
}

/**
 * What handing one trigger to one sidecar came to: its answer (`success`, `failed`), no answer
 * within the deadline (`timeout`, which the failure policy retries like `failed`), or `gone`: the
 * stream ended before an answer came, so the trigger goes to another sidecar, or is staged.
 */
export type SidecarAnswer = 'success' | 'failed' | 'timeout' | 'gone';

/** One `WatchJobs` stream, as the hub sees it; the gRPC layer implements it. */
export interface SidecarConnection {
  /** For logs: the peer and what it announced. */
  readonly label: string;
  readonly announcement: SidecarAnnouncement;
  /** Triggers sent to it and not answered yet. */
  readonly inflight: number;
  /** Sends one trigger and resolves with the answer; never rejects. */
  deliver(trigger: JobTrigger): Promise<SidecarAnswer>;
}

/** The part of the timer service the hub drives (`TimerService` satisfies it). */
export interface TriggerTargets {
  onTrigger(target: string, handler: TriggerHandler): () => void;
  retryStaged(target: string): void;
}

/** Events of a `SidecarHub`. */
export interface SidecarHubEvents {
  /** A stream was added; `connections` counts them all. */
  connected: (label: string, connections: number) => void;
  /** A stream was removed. */
  disconnected: (label: string, connections: number) => void;
  /**
   * One offer of a trigger to one sidecar and what came of it (a trigger staged because no
   * stream could take it is the timer service's `staged` event).
   */
  outcome: (outcome: SidecarAnswer, trigger: JobTrigger, connection: SidecarConnection) => void;
}

/** Options of a `SidecarHub`. */
export interface SidecarHubOptions {
  timers: TriggerTargets;
  /** Streams at once (more are refused with `SidecarLimitError`). */
  maxConnections: number;
  /** Triggers in flight on one stream at once; past it, the next sidecar takes them, or they are staged. */
  maxInflightPerConnection: number;
  /**
   * Triggers in flight at once for one target (an app, or an actor type, of a namespace), over
   * all its streams: the timer service's in-flight slots are shared by every app, and an app whose
   * sidecars stop answering must not hold all of them. Past it, triggers are staged as when the
   * streams are full. Default: no bound beyond the streams'.
   */
  maxInflightPerTarget?: number;
}

/** A stream would pass the hub's bound on streams. */
export class SidecarLimitError extends TickflowError {
  override name = 'SidecarLimitError';
}

/**
 * Routes the scheduler's triggers to the `WatchJobs` streams that asked for them. Each app of a
 * namespace and each actor type of a namespace is one timer-service target (`triggerTarget`): the
 * hub registers a handler for a target while at least one stream serves it, so triggers of an app
 * without a sidecar stay in the timer service's staging queue, and are re-offered when one
 * connects. A trigger goes to the stream with the fewest in flight (rotating among equals); a
 * stream that ends before answering hands it to the next one, and when none is left (or every one
 * is at its in-flight bound) it is staged and re-offered once a stream connects or a slot frees.
 */
export class SidecarHub extends EventEmitter<SidecarHubEvents> {
  readonly #o: SidecarHubOptions;
  readonly #connections = new Set<SidecarConnection>();
  /** For each target, the streams that serve it, and the handler registration to undo. */
  readonly #targets = new Map<string, { streams: Set<SidecarConnection>; off: () => void }>();
  /** Targets whose triggers were staged while their streams were full. */
  readonly #starved = new Set<string>();
  /** Triggers in flight per target. */
  readonly #inflightByTarget = new Map<string, number>();
  #retryQueued = false;
  #rotation = 0;
  #closed = false;

  constructor(options: SidecarHubOptions) {
    super();
    this.#o = options;
  }

  /** Streams connected now. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Triggers sent to sidecars and not answered yet, over all streams. */
  get inflight(): number {
    let n = 0;
    for (const c of this.#connections) n += c.inflight;
    return n;
  }

  /** Adds a stream; throws `SidecarLimitError` past `maxConnections` (nothing added then). */
  add(connection: SidecarConnection): void {
    if (this.#closed) throw new SidecarLimitError('the scheduler is shutting down');
    if (this.#connections.size >= this.#o.maxConnections) {
      throw new SidecarLimitError(
        `${this.#o.maxConnections} WatchJobs streams are connected, the most this server takes`,
      );
    }
    this.#connections.add(connection);
    for (const target of targetsOf(connection.announcement)) {
      const entry = this.#targets.get(target);
      if (entry) {
        entry.streams.add(connection);
        // More capacity for a target whose triggers may wait in the staging queue.
        this.#o.timers.retryStaged(target);
        continue;
      }
      // In the map before registering: registering releases the target's staged triggers, and
      // the timer service may hand them over before onTrigger returns.
      const created: { streams: Set<SidecarConnection>; off: () => void } = {
        streams: new Set([connection]),
        off: () => undefined,
      };
      this.#targets.set(target, created);
      created.off = this.#o.timers.onTrigger(target, (trigger) => this.#deliver(target, trigger));
    }
    this.emit('connected', connection.label, this.#connections.size);
  }

  /** Removes a stream (its unanswered triggers resolve `gone` on its side and move on). */
  remove(connection: SidecarConnection): void {
    if (!this.#connections.delete(connection)) return;
    for (const target of targetsOf(connection.announcement)) {
      const entry = this.#targets.get(target);
      if (!entry) continue;
      entry.streams.delete(connection);
      if (entry.streams.size === 0) {
        entry.off();
        this.#targets.delete(target);
      }
    }
    this.emit('disconnected', connection.label, this.#connections.size);
  }

  /** Takes no more streams and gives every target back (their triggers are staged). */
  close(): void {
    this.#closed = true;
    for (const connection of [...this.#connections]) this.remove(connection);
  }

  async #deliver(target: string, trigger: JobTrigger): Promise<TriggerResult> {
    const inflight = this.#inflightByTarget.get(target) ?? 0;
    if (inflight >= (this.#o.maxInflightPerTarget ?? Infinity)) {
      this.#starved.add(target);
      return 'undeliverable';
    }
    this.#inflightByTarget.set(target, inflight + 1);
    try {
      return await this.#offer(target, trigger);
    } finally {
      const left = (this.#inflightByTarget.get(target) ?? 1) - 1;
      // The re-offer #offer asked for after the answer runs on a later turn, after this.
      if (left === 0) this.#inflightByTarget.delete(target);
      else this.#inflightByTarget.set(target, left);
    }
  }

  /** To each untried stream of the target in turn, until one answers; staged when none is left. */
  async #offer(target: string, trigger: JobTrigger): Promise<TriggerResult> {
    const tried = new Set<SidecarConnection>();
    for (;;) {
      const connection = this.#pick(target, tried);
      if (connection === undefined) {
        const streams = this.#targets.get(target)?.streams;
        if (streams !== undefined && [...streams].some((s) => !tried.has(s))) this.#starved.add(target);
        return 'undeliverable';
      }
      tried.add(connection);
      const answer = await connection.deliver(trigger);
      this.emit('outcome', answer, trigger, connection);
      this.#slotFreed();
      if (answer === 'gone') continue;
      return answer === 'success' ? 'success' : 'failed';
    }
  }

  /** The untried stream of `target` with the fewest in flight and room for one more. */
  #pick(target: string, tried: ReadonlySet<SidecarConnection>): SidecarConnection | undefined {
    const streams = [...(this.#targets.get(target)?.streams ?? [])];
    if (streams.length === 0) return undefined;
    const start = this.#rotation++ % streams.length;
    let best: SidecarConnection | undefined;
    for (let i = 0; i < streams.length; i++) {
      const s = streams[(start + i) % streams.length];
      if (s === undefined || tried.has(s) || s.inflight >= this.#o.maxInflightPerConnection) continue;
      if (best === undefined || s.inflight < best.inflight) best = s;
    }
    return best;
  }

  /** Re-offers the triggers staged while streams were full, once per turn however many slots freed. */
  #slotFreed(): void {
    if (this.#starved.size === 0 || this.#retryQueued) return;
    this.#retryQueued = true;
    setImmediate(() => {
      this.#retryQueued = false;
      const targets = [...this.#starved];
      this.#starved.clear();
      for (const target of targets) if (this.#targets.has(target)) this.#o.timers.retryStaged(target);
    });
  }
}

/** The timer-service targets a stream serves. */
export function targetsOf(a: SidecarAnnouncement): string[] {
  const targets: string[] = [];
  if (a.acceptsJobs) targets.push(appTriggerTarget(a.namespace, a.appId));
  if (a.acceptsReminders) {
    for (const type of new Set(a.actorTypes)) targets.push(actorTriggerTarget(a.namespace, type));
  }
  return targets;
}
