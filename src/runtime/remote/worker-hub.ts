import { EventEmitter } from 'eventemitter3';
import {
  WorkItemTooLargeError,
  WorkerUnavailableError,
  WorkflowNotServedError,
  type ActivityAnswer,
  type ActivityWork,
  type OrchestratorAnswer,
  type OrchestratorWork,
  type WorkerConnection,
} from './remote-work.js';

/** Options of a `WorkerHub`. */
export interface WorkerHubOptions {
  /**
   * How long a worker may take to answer one orchestrator work item (default 60 s). Past it the
   * step is given up and retried with the stall backoff: a hung worker must not wedge an instance.
   * Activities have no such deadline: they may run for as long as they need.
   */
  orchestratorTimeoutMs?: number;
  /**
   * Work items that may wait for a worker (default 10,000): for one to connect, or for one with
   * room. More are given up: an activity runs from its reminder later, a step is retried.
   */
  maxQueuedActivities?: number;
  /**
   * Work items one worker is given before it answers (default 100). The Dapr JavaScript SDK runs
   * 10 at once and queues 100 more, and silently drops any beyond: more must wait here.
   */
  maxInflightPerWorker?: number;
}

/** What a worker said when it does not have the workflow or activity it was sent. */
export const NOT_REGISTERED = 'not-registered';

/** The hub's events (for metrics and logs). */
export interface WorkerHubEvents {
  /** A worker connected; `workers` are connected now. */
  connected: [label: string, workers: number];
  disconnected: [label: string, workers: number];
  /** A work item was written to a worker (`redelivery`: it had been given to one that left). */
  dispatched: [kind: 'orchestrator' | 'activity', redelivery: boolean];
  /** An answer matched no work item in flight (late, after a deadline or a redelivery; or a duplicate). */
  unmatchedAnswer: [kind: 'orchestrator' | 'activity', instanceId: string];
}

interface Worker {
  readonly connection: WorkerConnection;
  /** Names this worker answered "not registered" for: it is not sent them again. */
  readonly refusedWorkflows: Set<string>;
  readonly refusedActivities: Set<string>;
  readonly inflight: Set<Pending>;
}

interface PendingBase {
  worker: Worker | undefined;
  /** Workers that refused this item; cleared never (a new connection is a new worker). */
  refusedBy: Set<Worker>;
  dispatches: number;
}

interface PendingOrchestrator extends PendingBase {
  kind: 'orchestrator';
  work: OrchestratorWork;
  resolve(answer: OrchestratorAnswer): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface PendingActivity extends PendingBase {
  kind: 'activity';
  work: ActivityWork;
  promise: Promise<ActivityAnswer>;
  resolve(answer: ActivityAnswer): void;
  reject(error: Error): void;
}

type Pending = PendingOrchestrator | PendingActivity;

/** Names remembered as refused per worker; a worker that refuses more is forgotten and asked again. */
const MAX_REFUSED_NAMES = 1000;

/**
 * Hands work items to connected remote workers and matches their answers. Items are spread
 * round-robin over the workers; an item whose worker disconnects goes to another at once (or, for
 * an activity, waits for the next worker), so nothing is lost. A worker that says it does not run
 * a workflow or activity is not sent that name again. Answers are matched by instance id (and
 * task id): the first answer settles an item, any later one is reported and dropped, so no
 * completion is recorded twice from here (the executor also drops duplicates by sequence id).
 *
 * All of it is in memory and per replica: what is durable is the instance's history and the
 * reminders, which retry a step or an activity whose worker never answered.
 */
export class WorkerHub extends EventEmitter<WorkerHubEvents> {
  readonly #timeoutMs: number;
  readonly #maxQueued: number;
  readonly #maxInflight: number;
  readonly #workers: Worker[] = [];
  #next = 0;
  readonly #orchestrators = new Map<string, PendingOrchestrator>();
  readonly #activities = new Map<string, PendingActivity>();
  /** Items waiting for a worker (none connected, or none with room), in arrival order. */
  readonly #queue = new Set<Pending>();
  #closed = false;

  constructor(options: WorkerHubOptions = {}) {
    super();
    this.#timeoutMs = options.orchestratorTimeoutMs ?? 60_000;
    this.#maxQueued = options.maxQueuedActivities ?? 10_000;
    this.#maxInflight = options.maxInflightPerWorker ?? 100;
  }

  /** Workers connected now. */
  get workers(): number {
    return this.#workers.length;
  }

  /** Work items written to a worker and not answered yet. */
  get inflight(): number {
    let n = 0;
    for (const w of this.#workers) n += w.inflight.size;
    return n;
  }

  /** Work items waiting for a worker (to connect, or to have room). */
  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Adds a worker; returns what ends it. Its in-flight items go to the other workers when it ends
   * (call that when its stream closes, whatever the reason).
   */
  connect(connection: WorkerConnection): () => void {
    if (this.#closed) throw new WorkerUnavailableError('the runtime is stopping; it takes no workers');
    const worker: Worker = {
      connection,
      refusedWorkflows: new Set(),
      refusedActivities: new Set(),
      inflight: new Set(),
    };
    this.#workers.push(worker);
    this.emit('connected', connection.label, this.#workers.length);
    this.#drain();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#remove(worker);
    };
  }

  /** Runs one step of a remote workflow; rejects with WorkflowNotServedError or WorkerUnavailableError. */
  runOrchestrator(work: OrchestratorWork): Promise<OrchestratorAnswer> {
    return new Promise<OrchestratorAnswer>((resolve, reject) => {
      if (this.#closed) {
        reject(new WorkerUnavailableError('the runtime is stopping'));
        return;
      }
      // One step at a time per instance (the step runner's mailbox): a leftover is stale.
      this.#orchestrators.get(work.instanceId)?.reject(new WorkerUnavailableError('superseded'));
      const item: PendingOrchestrator = {
        kind: 'orchestrator',
        work,
        worker: undefined,
        refusedBy: new Set(),
        dispatches: 0,
        timer: undefined,
        resolve: (answer) => {
          this.#settle(item);
          resolve(answer);
        },
        reject: (error) => {
          this.#settle(item);
          reject(error);
        },
      };
      this.#orchestrators.set(work.instanceId, item);
      this.#dispatchOrchestrator(item);
    });
  }

  /**
   * A worker's answer to the step of `instanceId` in flight; `NOT_REGISTERED` when it does not run
   * the workflow (the step then goes to another worker). False when no step was in flight.
   */
  answerOrchestrator(
    instanceId: string,
    answer: OrchestratorAnswer | typeof NOT_REGISTERED,
    from?: string,
  ): boolean {
    const item = this.#orchestrators.get(instanceId);
    // Only the worker the step is with may answer it: the protocol has no token, and a late answer
    // from a worker the step was taken from (it left) may be to an earlier step of the instance.
    if (!item || !item.worker || (from !== undefined && from !== item.worker.connection.label)) {
      this.emit('unmatchedAnswer', 'orchestrator', instanceId);
      return false;
    }
    if (answer === NOT_REGISTERED) {
      this.#refuse(item, item.worker.refusedWorkflows, item.work.name);
      this.#dispatchOrchestrator(item);
    } else {
      item.resolve(answer);
    }
    return true;
  }

  /**
   * Runs an activity on a worker, waiting for one to connect if none is. Resolves with its
   * outcome (a failure with ActivityNotRegisteredError when every connected worker refused it);
   * rejects with WorkerUnavailableError when it cannot wait (queue full, runtime stopping).
   */
  runActivity(work: ActivityWork): Promise<ActivityAnswer> {
    if (this.#closed) return Promise.reject(new WorkerUnavailableError('the runtime is stopping'));
    const key = activityKey(work.instanceId, work.taskId);
    const running = this.#activities.get(key);
    if (running) return running.promise;
    let resolve!: (answer: ActivityAnswer) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<ActivityAnswer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const item: PendingActivity = {
      kind: 'activity',
      work,
      worker: undefined,
      refusedBy: new Set(),
      dispatches: 0,
      promise,
      resolve: (answer) => {
        this.#settle(item);
        resolve(answer);
      },
      reject: (error) => {
        this.#settle(item);
        reject(error);
      },
    };
    this.#activities.set(key, item);
    this.#dispatchActivity(item);
    return promise;
  }

  /** A worker's answer to an activity in flight; false when none was. */
  answerActivity(
    instanceId: string,
    taskId: number,
    answer: ActivityAnswer | typeof NOT_REGISTERED,
    from?: string,
  ): boolean {
    const item = this.#activities.get(activityKey(instanceId, taskId));
    if (!item || !item.worker) {
      this.emit('unmatchedAnswer', 'activity', instanceId);
      return false;
    }
    const fromOther = from !== undefined && from !== item.worker.connection.label;
    if (answer === NOT_REGISTERED) {
      // A refusal speaks for its sender only: one from a worker the item was taken from (it left)
      // must not mark the worker running it now.
      if (fromOther) {
        this.emit('unmatchedAnswer', 'activity', instanceId);
        return false;
      }
      this.#refuse(item, item.worker.refusedActivities, item.work.name);
      this.#dispatchActivity(item);
    } else {
      // An outcome is an outcome, whoever ran the call (instance and task id name it exactly).
      item.resolve(answer);
    }
    return true;
  }

  /** Takes workers and work again after `close` (a runtime started again). */
  reopen(): void {
    this.#closed = false;
  }

  /** Gives up every item (they are retried from their reminders later) and takes no more. */
  close(): void {
    this.#closed = true;
    const stopping = new WorkerUnavailableError('the runtime is stopping');
    for (const item of [...this.#orchestrators.values(), ...this.#activities.values()]) item.reject(stopping);
  }

  #refuse(item: Pending, names: Set<string>, name: string): void {
    if (names.size >= MAX_REFUSED_NAMES) names.clear();
    names.add(name);
    if (item.worker) {
      item.refusedBy.add(item.worker);
      item.worker.inflight.delete(item);
      item.worker = undefined;
    }
  }

  #dispatchOrchestrator(item: PendingOrchestrator): void {
    const willing = (w: Worker): boolean => !item.refusedBy.has(w) && !w.refusedWorkflows.has(item.work.name);
    if (!this.#workers.some(willing)) {
      const why =
        this.#workers.length === 0
          ? 'no worker is connected'
          : `none of the ${this.#workers.length} connected workers runs it`;
      item.reject(new WorkflowNotServedError(item.work.name, why));
      return;
    }
    const worker = this.#pick((w) => willing(w) && this.#hasRoom(w));
    if (!worker) {
      this.#enqueue(item);
      return;
    }
    if (!item.timer) {
      // The deadline runs from the first write: waiting for room here is not the worker's time.
      item.timer = setTimeout(() => {
        const who = item.worker?.connection.label ?? 'no worker';
        item.reject(
          new WorkerUnavailableError(
            `workflow ${JSON.stringify(item.work.name)} (${item.work.instanceId}): no answer from ${who} within ${this.#timeoutMs / 1000} s`,
          ),
        );
      }, this.#timeoutMs);
    }
    this.#send(worker, item, () => worker.connection.sendOrchestrator(item.work));
  }

  #dispatchActivity(item: PendingActivity): void {
    const willing = (w: Worker): boolean =>
      !item.refusedBy.has(w) && !w.refusedActivities.has(item.work.name);
    const worker = this.#pick((w) => willing(w) && this.#hasRoom(w));
    if (worker) {
      this.#send(worker, item, () => worker.connection.sendActivity(item.work));
      return;
    }
    if (this.#workers.length > 0 && !this.#workers.some(willing)) {
      // Every worker here said it does not have it: as in-process, an unknown activity fails.
      item.resolve({
        ok: false,
        failure: {
          errorType: 'ActivityNotRegisteredError',
          message: `activity ${JSON.stringify(item.work.name)} is not registered with any of the ${this.#workers.length} connected workers`,
          nonRetryable: true,
        },
      });
      return;
    }
    this.#enqueue(item);
  }

  #hasRoom(worker: Worker): boolean {
    return worker.inflight.size < this.#maxInflight;
  }

  /** Keeps `item` until a worker has room for it (bounded; past the bound it is given up). */
  #enqueue(item: Pending): void {
    if (this.#queue.size >= this.#maxQueued) {
      const what =
        item.kind === 'activity'
          ? `activity ${JSON.stringify(item.work.name)} of ${item.work.instanceId} runs from its reminder later`
          : `the step of ${item.work.instanceId} is retried later`;
      item.reject(
        new WorkerUnavailableError(`${this.#maxQueued} work items already wait for a worker; ${what}`),
      );
      return;
    }
    this.#queue.add(item);
  }

  /** Offers waiting items to the workers again, in order, while any worker has room. */
  #drain(): void {
    for (const item of [...this.#queue]) {
      if (!this.#workers.some((w) => this.#hasRoom(w))) return;
      this.#queue.delete(item);
      if (item.kind === 'orchestrator') this.#dispatchOrchestrator(item);
      else this.#dispatchActivity(item);
    }
  }

  #send(worker: Worker, item: Pending, write: () => void): void {
    item.worker = worker;
    worker.inflight.add(item);
    const redelivery = item.dispatches > 0;
    item.dispatches++;
    try {
      write();
    } catch (error) {
      if (error instanceof WorkItemTooLargeError) {
        // The item, not the worker, is at fault: no worker could take it.
        item.reject(error);
        return;
      }
      // The stream is gone though its close was not seen yet: drop the worker, which hands its
      // items (this one included) to the others.
      this.#remove(worker);
      return;
    }
    this.emit('dispatched', item.kind, redelivery);
  }

  #pick(eligible: (worker: Worker) => boolean): Worker | undefined {
    const n = this.#workers.length;
    for (let i = 0; i < n; i++) {
      const worker = this.#workers[(this.#next + i) % n];
      if (worker && eligible(worker)) {
        this.#next = (this.#next + i + 1) % n;
        return worker;
      }
    }
    return undefined;
  }

  #remove(worker: Worker): void {
    const index = this.#workers.indexOf(worker);
    if (index < 0) return;
    this.#workers.splice(index, 1);
    this.emit('disconnected', worker.connection.label, this.#workers.length);
    const orphans = [...worker.inflight];
    worker.inflight.clear();
    for (const item of orphans) {
      item.worker = undefined;
      if (item.kind === 'orchestrator') this.#redispatchOrchestrator(item, worker);
      else this.#dispatchActivity(item);
    }
  }

  #redispatchOrchestrator(item: PendingOrchestrator, lost: Worker): void {
    if (this.#workers.length === 0) {
      item.reject(
        new WorkerUnavailableError(
          `worker ${lost.connection.label} disconnected during a step of ${item.work.instanceId} and no other is connected`,
        ),
      );
      return;
    }
    this.#dispatchOrchestrator(item);
  }

  #settle(item: Pending): void {
    const freed = item.worker?.inflight.delete(item) === true;
    item.worker = undefined;
    this.#queue.delete(item);
    if (item.kind === 'orchestrator') {
      if (item.timer) clearTimeout(item.timer);
      if (this.#orchestrators.get(item.work.instanceId) === item)
        this.#orchestrators.delete(item.work.instanceId);
    } else {
      const key = activityKey(item.work.instanceId, item.work.taskId);
      if (this.#activities.get(key) === item) this.#activities.delete(key);
    }
    // A worker has room again: the first waiting item takes it.
    if (freed && this.#queue.size > 0 && !this.#closed) this.#drain();
  }
}

function activityKey(instanceId: string, taskId: number): string {
  return `${taskId}\n${instanceId}`;
}
