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
  /**
   * Triggers in flight on one stream at once; past it, the next sidecar takes them, or they wait
   * for one of the target's streams to answer.
   */
  maxInflightPerConnection: number;
  /**
   * Triggers one target (an app, or an actor type, of a namespace) holds at once, sent or waiting
   * for a stream: the timer service's in-flight slots are shared by every app, and an app whose
   * sidecars stop answering must not hold all of them. Past it, triggers are staged, and re-offered
   * once the target holds half of it or less. Default: no bound but the timer service's.
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
 * connects. A trigger goes to the stream with the fewest in flight (rotating among equals), or
 * waits for a slot when every stream is at its bound; a stream that ends before answering hands it
 * to the next one, and when none is left it is staged. A target holds a bounded number of
 * triggers (sent or waiting); past it they are staged, and re-offered as the target drains.
 */
export class SidecarHub extends EventEmitter<SidecarHubEvents> {
  readonly #o: SidecarHubOptions;
  readonly #connections = new Set<SidecarConnection>();
  /** For each target, the streams that serve it, and the handler registration to undo. */
  readonly #targets = new Map<string, { streams: Set<SidecarConnection>; off: () => void }>();
  /** Targets whose triggers were staged at their bound, to re-offer once they have room. */
  readonly #starved = new Set<string>();
  /** Triggers each target holds (sent, or waiting for a slot). */
  readonly #inflightByTarget = new Map<string, number>();
  /** Per target, the triggers waiting for a slot on one of its streams, first come first served. */
  readonly #waiting = new Map<string, Array<() => void>>();
  /** Targets whose staged triggers are re-offered on the next turn. */
  readonly #retries = new Set<string>();
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

  /** Triggers waiting for a slot on one of their target's streams (all of them at their bound). */
  get waiting(): number {
    let n = 0;
    for (const queue of this.#waiting.values()) n += queue.length;
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
        // More room: for the triggers waiting for a slot, and those in the staging queue.
        this.#wakeAll(target);
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
      // Waiters look again: another stream may have room, or none is left (then they are staged).
      this.#wakeAll(target);
    }
    this.emit('disconnected', connection.label, this.#connections.size);
  }

  /** Takes no more streams and gives every target back (their triggers are staged). */
  close(): void {
    this.#closed = true;
    for (const connection of [...this.#connections]) this.remove(connection);
  }

  async #deliver(target: string, trigger: JobTrigger): Promise<TriggerResult> {
    const bound = this.#o.maxInflightPerTarget ?? Infinity;
    const held = this.#inflightByTarget.get(target) ?? 0;
    if (held >= bound) {
      this.#starved.add(target);
      return 'undeliverable';
    }
    this.#inflightByTarget.set(target, held + 1);
    try {
      return await this.#offer(target, trigger);
    } finally {
      const left = (this.#inflightByTarget.get(target) ?? 1) - 1;
      if (left === 0) this.#inflightByTarget.delete(target);
      else this.#inflightByTarget.set(target, left);
      // A backlog past the bound is taken in rounds of half the bound, not re-offered whole after
      // every answer (each re-offer hands every staged trigger over once more).
      if (this.#starved.has(target) && left <= bound / 2) this.#retryStaged(target);
    }
  }

  /**
   * To the target's streams in turn until one answers: a stream that ends first hands it to the
   * next; when every stream left is at its bound, it waits for one of them to answer. Staged
   * (`undeliverable`) when no stream is left.
   */
  async #offer(target: string, trigger: JobTrigger): Promise<TriggerResult> {
    const tried = new Set<SidecarConnection>();
    for (;;) {
      const connection = this.#pick(target, tried);
      if (connection === undefined) {
        const streams = this.#targets.get(target)?.streams;
        if (streams === undefined || ![...streams].some((s) => !tried.has(s))) return 'undeliverable';
        await new Promise<void>((resolve) => this.#wait(target, resolve));
        continue;
      }
      tried.add(connection);
      const answer = await connection.deliver(trigger);
      this.emit('outcome', answer, trigger, connection);
      if (answer === 'gone') continue;
      this.#wakeOne(connection);
      return answer === 'success' ? 'success' : 'failed';
    }
  }

  #wait(target: string, resolve: () => void): void {
    let queue = this.#waiting.get(target);
    if (!queue) this.#waiting.set(target, (queue = []));
    queue.push(resolve);
  }

  /** A slot of `connection` is free: the first waiter of each of its targets looks again. */
  #wakeOne(connection: SidecarConnection): void {
    for (const target of targetsOf(connection.announcement)) {
      const queue = this.#waiting.get(target);
      const first = queue?.shift();
      if (queue?.length === 0) this.#waiting.delete(target);
      first?.();
    }
  }

  #wakeAll(target: string): void {
    const queue = this.#waiting.get(target);
    this.#waiting.delete(target);
    for (const resolve of queue ?? []) resolve();
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

  /** Re-offers a target's staged triggers on the next turn, once however often it is asked. */
  #retryStaged(target: string): void {
    this.#starved.delete(target);
    if (this.#retries.size === 0) {
      setImmediate(() => {
        const targets = [...this.#retries];
        this.#retries.clear();
        for (const t of targets) if (this.#targets.has(t)) this.#o.timers.retryStaged(t);
      });
    }
    this.#retries.add(target);
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
