import type { JobTrigger } from '../timers/schedule/job.js';
import { decodeJobData } from '../scheduler/scheduler-job-data.js';
import { userJobName } from '../scheduler/scheduler-keys.js';
import type { SidecarAnnouncement, SidecarAnswer, SidecarConnection } from '../scheduler/sidecar-hub.js';
import { metadataOfOwner, protoAny, type ProtoWatchResponse } from './scheduler-messages.js';

/** Options of a `WatchJobsConnection`. */
export interface WatchJobsConnectionOptions {
  announcement: SidecarAnnouncement;
  /** The peer's address, for logs. */
  peer: string;
  /** Writes one message to the stream. */
  write: (message: ProtoWatchResponse) => void;
  /** How long a sent trigger waits for its answer before it counts as `timeout`. */
  answerTimeoutMs: number;
}

interface Pending {
  resolve: (answer: SidecarAnswer) => void;
  timer: NodeJS.Timeout;
}

/**
 * One `WatchJobs` stream as a delivery transport of the sidecar hub: each trigger is written with
 * the next id of the stream (1, 2, ...), and settles with the sidecar's answer for that id
 * (SUCCESS, FAILED), with `timeout` when none comes in time, or with `gone` when the stream ends
 * first. Answers that match nothing in flight (late, duplicate, unknown) are dropped and reported.
 */
export class WatchJobsConnection implements SidecarConnection {
  readonly announcement: SidecarAnnouncement;
  readonly label: string;
  readonly #o: WatchJobsConnectionOptions;
  readonly #pending = new Map<string, Pending>();
  #nextId = 0;
  #closed = false;

  constructor(options: WatchJobsConnectionOptions) {
    this.#o = options;
    this.announcement = options.announcement;
    const a = options.announcement;
    const types =
      a.acceptsReminders && a.actorTypes.length > 0 ? ` actor types ${a.actorTypes.join(',')}` : '';
    this.label = `${a.namespace}/${a.appId}${types} (${options.peer})`;
  }

  get inflight(): number {
    return this.#pending.size;
  }

  deliver(trigger: JobTrigger): Promise<SidecarAnswer> {
    if (this.#closed) return Promise.resolve('gone');
    const decoded = decodeJobData(trigger.data);
    const name = userJobName(trigger.name);
    // Not written by this service (its data or name was changed underneath): nothing a sidecar
    // could act on, so the job's failure policy decides, as for a failed delivery.
    if (decoded === undefined || name === undefined) return Promise.resolve('failed');
    const id = String(++this.#nextId);
    const message: ProtoWatchResponse = {
      name,
      id,
      ...(decoded.packed !== undefined && { data: protoAny(decoded.packed) }),
      metadata: metadataOfOwner(decoded.owner),
    };
    return new Promise<SidecarAnswer>((resolve) => {
      const timer = setTimeout(() => this.#settle(id, 'timeout'), this.#o.answerTimeoutMs);
      this.#pending.set(id, { resolve, timer });
      try {
        this.#o.write(message);
      } catch {
        this.#settle(id, 'gone');
      }
    });
  }

  /** The sidecar's answer for trigger `id`; false when nothing with that id is in flight. */
  answer(id: string, status: 'SUCCESS' | 'FAILED'): boolean {
    return this.#settle(id, status === 'SUCCESS' ? 'success' : 'failed');
  }

  /** The stream ended: everything unanswered goes elsewhere (`gone`), and later triggers too. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id, 'gone');
  }

  #settle(id: string, answer: SidecarAnswer): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(answer);
    return true;
  }
}
