import type { FailureDetails } from '../../history/failure-details.js';
import type { ParentInfo } from '../../history/events.js';
import type { WorkflowRuntimeStatus } from '../../history/status.js';

/**
 * The small per-instance record read by clients and guarded by each step. Output and custom
 * status are kept here (not only in history) so status queries never read history. The input is
 * kept only until a step writes the generation's history, whose first event (ExecutionStarted,
 * in chunk 0) holds it from then on: every step rewrites the record, and an input of up to
 * `maxPayloadBytes` would otherwise be written again with each of them.
 * `InstanceStore.loadWithInput` reads it from either place.
 */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  status: WorkflowRuntimeStatus;
  generation: number;
  createdAt: number;
  lastUpdatedAt: number;
  /** Only while the generation has no history (`chunks` 0); then history chunk 0 holds it. */
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
  /** External events delivered but not yet consumed by the workflow (for maxPendingEvents). */
  pendingEvents?: number;
  /** The JSON bytes of those events' data (for maxPendingEventBytes). */
  pendingEventBytes?: number;
  failureDetails?: FailureDetails;
  parent?: ParentInfo;
  scheduledStartAt?: number;
  /** History chunks of the current generation and events in the last one. */
  chunks: number;
  tailEvents: number;
  /** Events in the current generation's history. */
  events: number;
  /** Some step's actions went out through a dispatch reminder (see `buildStepCommit`). */
  dispatched?: boolean;
  /**
   * The instance's activity fallback reminder as its last arming step wrote it (see
   * `fallbackArmOps`); absent until a step started an activity in-process.
   */
  fallback?: FallbackMark;
  /** The instance's step keeps stalling and is retried with backoff; cleared by the next committed step. */
  stalled?: StallRecord;
}

/**
 * Where an instance's activity fallback reminder stands: when it is due (epoch ms) and which
 * replica it names as the runner of the instance's in-process activities (`RunnerTag` fields).
 */
export interface FallbackMark {
  due: number;
  r?: string;
  n?: string;
}

/**
 * A step that stalled: the code threw an error that is not a workflow failure. Nothing of the
 * attempts was committed; the step is retried at `nextRetryAt` by the instance's wake reminder.
 */
export interface StallRecord {
  /** The latest attempt's error, bounded like a failure's. */
  failure: FailureDetails;
  /** Attempts that stalled in a row. */
  attempts: number;
  /** When the first of them stalled (epoch ms). */
  firstStalledAt: number;
  /** When the latest of them stalled (epoch ms). */
  lastStalledAt: number;
  /** When the step is tried again (epoch ms); an event arriving sooner tries it sooner. */
  nextRetryAt: number;
}

export function encodeInstance(record: InstanceRecord): string {
  return JSON.stringify(record);
}

export function decodeInstance(value: string): InstanceRecord | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<InstanceRecord> | null;
    if (!parsed || typeof parsed.instanceId !== 'string' || typeof parsed.status !== 'string')
      return undefined;
    return parsed as InstanceRecord;
  } catch {
    return undefined;
  }
}

/** Sets `key`, or removes it when `value` is undefined (records are stored as JSON). */
export function setOptional<K extends keyof InstanceRecord>(
  record: InstanceRecord,
  key: K,
  value: InstanceRecord[K],
): void {
  if (value === undefined) delete record[key];
  else record[key] = value;
}
