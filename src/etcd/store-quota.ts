import { TickflowError } from '../common/tickflow-error.js';
/**
 * etcd's backend quota, as tickflow sees it: how a write refused for lack of space reads, and the
 * warnings the maintenance loop reports about it. Kept apart from errors.ts, whose store errors
 * describe a single request; these describe the state of the store.
 */

/**
 * What etcd answers to a write once its NOSPACE alarm is raised. Every put, txn with a put and
 * lease grant fails with it until the alarm is disarmed; reads, deletes and compaction still work.
 */
const NO_SPACE = /database space exceeded|alarm:NOSPACE/i;

/** Whether `error` (or anything in its `cause` chain) is etcd refusing a write for lack of space. */
export function isNoSpaceError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    if (NO_SPACE.test(current.message)) return true;
    seen.add(current);
    current = current.cause;
  }
  return false;
}

/** A member's backend has grown past the warning share of the quota. */
export class StoreQuotaWarning extends TickflowError {
  override name = 'StoreQuotaWarning';
  readonly member: string;
  readonly dbSizeBytes: number;
  readonly quotaBytes: number;

  constructor(member: string, dbSizeBytes: number, dbSizeInUseBytes: number, quotaBytes: number) {
    super(
      `etcd member ${member}: backend is ${formatBytes(dbSizeBytes)} (${formatBytes(dbSizeInUseBytes)} in use), ` +
        `${Math.round((dbSizeBytes / quotaBytes) * 100)} % of the ${formatBytes(quotaBytes)} quota; ` +
        'at 100 % etcd raises its NOSPACE alarm and refuses every write',
    );
    this.member = member;
    this.dbSizeBytes = dbSizeBytes;
    this.quotaBytes = quotaBytes;
  }
}

/** etcd's NOSPACE alarm is raised and tickflow will not (or cannot) clear it by itself. */
export class NoSpaceAlarmError extends TickflowError {
  override name = 'NoSpaceAlarmError';
}

/** `1.5 GiB`, `320.0 MiB`, `12 KiB`: sizes in log lines a person reads. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
