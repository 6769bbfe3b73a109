import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_INTERVAL_MS,
  defaultFailurePolicySpec,
} from './schedule/failure-policy.js';
import {
  DEFAULT_TARGET,
  type FailurePolicy,
  type FailurePolicySpec,
  type JobProgress,
  type JobRecord,
} from './schedule/job.js';

/**
 * Job records are stored as JSON with the JobRecord field names, but fields that hold their default
 * are left out: the target 'app', a partition key equal to the name, the default failure policy,
 * and `original` copies of schedule/repeats (always equal to the normalised ones). A typical
 * one-shot shrinks from ~290 to ~110 bytes, which every etcd write, watch event and decode pays for.
 * Records written in full (older versions) decode the same.
 *
 * Stored JSON is read defensively: a corrupt value is reported and skipped, never thrown.
 */

interface StoredRecord {
  name: string;
  createdAt: number;
  target?: string;
  partitionKey?: string;
  dueAt?: number;
  schedule?: string;
  repeats?: number;
  expiresAt?: number;
  data?: JobRecord['data'];
  failurePolicy?: FailurePolicy;
  original?: Partial<JobRecord['original']>;
}

export function encodeRecord(record: JobRecord): string {
  const out: StoredRecord = { name: record.name, createdAt: record.createdAt };
  if (record.target !== DEFAULT_TARGET) out.target = record.target;
  if (record.partitionKey !== record.name) out.partitionKey = record.partitionKey;
  if (record.dueAt !== undefined) out.dueAt = record.dueAt;
  if (record.schedule !== undefined) out.schedule = record.schedule;
  if (record.repeats !== undefined) out.repeats = record.repeats;
  if (record.expiresAt !== undefined) out.expiresAt = record.expiresAt;
  if (record.data !== undefined) out.data = record.data;
  const original: Partial<JobRecord['original']> = {};
  let hasOriginal = false;
  if (!isDefaultPolicy(record.failurePolicy, record.original.failurePolicy)) {
    out.failurePolicy = record.failurePolicy;
    original.failurePolicy = record.original.failurePolicy;
    hasOriginal = true;
  }
  if (record.original.dueTime !== undefined) {
    original.dueTime = record.original.dueTime;
    hasOriginal = true;
  }
  if (record.original.ttl !== undefined) {
    original.ttl = record.original.ttl;
    hasOriginal = true;
  }
  if (record.original.schedule !== record.schedule) {
    original.schedule = record.original.schedule;
    hasOriginal = true;
  }
  if (record.original.repeats !== record.repeats) {
    original.repeats = record.original.repeats;
    hasOriginal = true;
  }
  if (hasOriginal) out.original = original;
  return JSON.stringify(out);
}

export function decodeRecord(value: string): JobRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const s = parsed as Partial<StoredRecord>;
  if (typeof s.name !== 'string' || typeof s.createdAt !== 'number') return undefined;
  if (s.target !== undefined && typeof s.target !== 'string') return undefined;
  if (s.partitionKey !== undefined && typeof s.partitionKey !== 'string') return undefined;
  if ((s.failurePolicy === undefined) !== (s.original?.failurePolicy === undefined)) return undefined;
  const o = s.original ?? {};
  const record: JobRecord = {
    name: s.name,
    target: s.target ?? DEFAULT_TARGET,
    partitionKey: s.partitionKey ?? s.name,
    createdAt: s.createdAt,
    failurePolicy: s.failurePolicy ? policyOf(s.failurePolicy) : defaultPolicy(),
    original: { failurePolicy: o.failurePolicy ?? defaultFailurePolicySpec() },
  };
  if (s.dueAt !== undefined) record.dueAt = s.dueAt;
  if (s.schedule !== undefined) record.schedule = s.schedule;
  if (s.repeats !== undefined) record.repeats = s.repeats;
  if (s.expiresAt !== undefined) record.expiresAt = s.expiresAt;
  if (s.data !== undefined) record.data = s.data;
  const schedule = 'schedule' in o ? o.schedule : s.schedule;
  const repeats = 'repeats' in o ? o.repeats : s.repeats;
  if (schedule !== undefined) record.original.schedule = schedule;
  if (o.dueTime !== undefined) record.original.dueTime = o.dueTime;
  if (o.ttl !== undefined) record.original.ttl = o.ttl;
  if (repeats !== undefined) record.original.repeats = repeats;
  return record;
}

export function decodeProgress(value: string): JobProgress | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<JobProgress> | null;
    if (
      !parsed ||
      typeof parsed.jobRevision !== 'number' ||
      typeof parsed.count !== 'number' ||
      typeof parsed.attempts !== 'number'
    ) {
      return undefined;
    }
    return parsed as JobProgress;
  } catch {
    return undefined;
  }
}

/** JSON drops `maxRetries: undefined` (retry forever); put the key back so records compare equal. */
function policyOf(stored: FailurePolicy): FailurePolicy {
  return stored.kind === 'constant'
    ? { kind: 'constant', intervalMs: stored.intervalMs, maxRetries: stored.maxRetries }
    : { kind: 'drop' };
}

function defaultPolicy(): FailurePolicy {
  return { kind: 'constant', intervalMs: DEFAULT_RETRY_INTERVAL_MS, maxRetries: DEFAULT_MAX_RETRIES };
}

function isDefaultPolicy(policy: FailurePolicy, original: FailurePolicySpec): boolean {
  if (
    policy.kind !== 'constant' ||
    policy.intervalMs !== DEFAULT_RETRY_INTERVAL_MS ||
    policy.maxRetries !== DEFAULT_MAX_RETRIES ||
    !('constant' in original)
  ) {
    return false;
  }
  const c = original.constant;
  const keys = Object.keys(c);
  return keys.length === 2 && c.interval === '1s' && c.maxRetries === DEFAULT_MAX_RETRIES;
}
