import type { KvStore } from '../etcd/kv-store.js';
import { decodeInstance, type InstanceRecord } from './instances/instance-record.js';
import { WorkflowNotFoundError, WorkflowWaitTimeoutError } from './workflow-errors.js';

export interface RecordWait {
  instanceId: string;
  /** Names what was awaited, in the timeout error. */
  what: string;
  done(record: InstanceRecord): boolean;
  timeoutInSeconds: number;
}

/**
 * Resolves with the instance record at `key` once `done` holds, watching the key (no polling);
 * rejects with WorkflowNotFoundError if there is (or stops being) no such instance, and with
 * WorkflowWaitTimeoutError after the timeout.
 */
export async function waitForRecord(kv: KvStore, key: string, wait: RecordWait): Promise<InstanceRecord> {
  const { instanceId, what, done, timeoutInSeconds } = wait;
  const first = await kv.get(key);
  const firstRecord = first && decodeInstance(first.value);
  if (!first || !firstRecord) throw new WorkflowNotFoundError(instanceId);
  if (done(firstRecord)) return firstRecord;
  return new Promise<InstanceRecord>((resolve, reject) => {
    let settled = false;
    let cancelWatch: (() => Promise<void>) | undefined;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void cancelWatch?.();
      outcome();
    };
    // Real time on purpose, not the injected clock: the timeout is the caller's budget for waiting.
    // On the time-skipping environment's clock a 30 s budget would run out before a workflow's
    // 1 h timer, since skipping jumps to whichever comes first.
    const timer = setTimeout(
      () => finish(() => reject(new WorkflowWaitTimeoutError(instanceId, what, timeoutInSeconds))),
      timeoutInSeconds * 1000,
    );
    const check = async (): Promise<void> => {
      const entry = await kv.get(key);
      const record = entry && decodeInstance(entry.value);
      if (!record) finish(() => reject(new WorkflowNotFoundError(instanceId)));
      else if (done(record)) finish(() => resolve(record));
    };
    const recheck = (): void => void check().catch((e: unknown) => finish(() => reject(e)));
    kv.watch(key, first.modRevision + 1, {
      onEvents: (events) => {
        if (events.some((e) => e.key === key)) recheck();
      },
      onReset: recheck,
    })
      .then((handle) => {
        cancelWatch = () => handle.cancel();
        if (settled) void handle.cancel();
      })
      .catch((error: unknown) => finish(() => reject(error)));
  });
}
