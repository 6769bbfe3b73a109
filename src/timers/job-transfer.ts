import { clusterKeys } from '../cluster/cluster-keys.js';
import { agreePartitionCount } from '../cluster/partition-count.js';
import { partitionOf } from '../cluster/partition.js';
import type { KvEntry, KvStore } from '../etcd/kv-store.js';
import type { StoreGuard, StoreOp } from '../etcd/store-op.js';
import { decodeProgress, decodeRecord, encodeRecord } from './job-codec.js';
import { exportedJob, parseJobLine, type ExportedJob, type ImportedJob } from './job-export-format.js';
import { scopeKeys, type ScopeKeys } from './job-keys.js';
import { currentProgress } from './schedule/job.js';

/**
 * Reads jobs out of a store and writes them into another, for `tickflow jobs export` / `import`:
 * straight on etcd, so a job keeps its absolute times and what is left of its repeats (see
 * job-export-format.ts), which the Jobs API could not set.
 */

/** A scope of the timer service: namespace and app id. */
export interface JobScope {
  namespace: string;
  appId: string;
}

/** Options of `exportJobs`. */
export interface ExportJobsOptions {
  /** Only this namespace (default: every namespace). */
  namespace?: string;
  /** Only this app id (default: every app id). */
  appId?: string;
  /** Only jobs whose names start with this. */
  prefix?: string;
}

/** What `exportJobs` did. */
export interface ExportStats {
  /** The scopes read. */
  scopes: JobScope[];
  /** Jobs written out. */
  exported: number;
  /** Jobs with no tick left (waiting to be deleted), not written. */
  finished: number;
  /** The workflow runtime's own reminders (`wf-*` targets), not written: they belong to workflow instances, which only a backup carries. */
  workflowReminders: number;
  /** Records that could not be decoded, not written. */
  unreadable: number;
}

/** Keys read per range request of an export. */
const EXPORT_PAGE = 500;
/** Targets of the workflow runtime's reminders: meaningless without the instances they wake. */
const WORKFLOW_REMINDER_TARGET = /^wf-/;

/**
 * The scopes of the store that have jobs (their partition count is stored), in key order,
 * restricted to `namespace` and `appId` when given. Reads one key per scope and skips over the
 * rest of each scope's keys.
 */
export async function listJobScopes(
  kv: KvStore,
  filter: { namespace?: string; appId?: string } = {},
): Promise<JobScope[]> {
  if (filter.namespace !== undefined && filter.appId !== undefined) {
    const scope = { namespace: filter.namespace, appId: filter.appId };
    return (await hasJobs(kv, scope)) ? [scope] : [];
  }
  const root = filter.namespace === undefined ? '/tickflow/' : `/tickflow/${filter.namespace}/`;
  const scopes: JobScope[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await kv.range(root, { limit: 1, ...(startAfter !== undefined && { startAfter }) });
    const key = page.entries[0]?.key;
    if (key === undefined) return scopes;
    const [namespace, appId] = key.slice('/tickflow/'.length).split('/');
    if (namespace === undefined || appId === undefined) {
      startAfter = key;
      continue;
    }
    const scope = { namespace, appId };
    if ((filter.appId === undefined || filter.appId === appId) && (await hasJobs(kv, scope))) {
      scopes.push(scope);
    }
    // Past every key of this scope: '\u{10FFFF}' sorts after anything a key segment holds.
    startAfter = `/tickflow/${namespace}/${appId}/\u{10FFFF}`;
  }
}

/**
 * Reads every job of the matching scopes and hands what is left of each (`exportedJob`) to
 * `emit`, partition by partition, in name order within a partition. Jobs created, fired or deleted
 * while it runs may be read before or after the change.
 */
export async function exportJobs(
  kv: KvStore,
  options: ExportJobsOptions,
  emit: (job: ExportedJob) => void | Promise<void>,
): Promise<ExportStats> {
  // Checked here, as scopeKeys checks them: a '/' in a filter would read another scope's keys.
  scopeKeys(options.namespace ?? 'any', options.appId ?? 'any');
  const scopes = await listJobScopes(kv, options);
  const stats: ExportStats = { scopes, exported: 0, finished: 0, workflowReminders: 0, unreadable: 0 };
  for (const scope of scopes) {
    const keys = scopeKeys(scope.namespace, scope.appId);
    const partitions = await storedPartitionCount(kv, keys);
    for (let partition = 0; partition < (partitions ?? 0); partition++) {
      const base = keys.jobsPrefix(partition);
      let startAfter: string | undefined;
      for (;;) {
        const page = await kv.range(base + (options.prefix ?? ''), {
          limit: EXPORT_PAGE,
          ...(startAfter !== undefined && { startAfter }),
        });
        const counters = await kv.getMany(
          page.entries.map((e) => keys.progressKey(partition, e.key.slice(base.length))),
        );
        for (const [i, entry] of page.entries.entries()) {
          const record = decodeRecord(entry.value);
          if (!record) {
            stats.unreadable++;
            continue;
          }
          if (WORKFLOW_REMINDER_TARGET.test(record.target)) {
            stats.workflowReminders++;
            continue;
          }
          const stored = counters[i];
          const progress = currentProgress(stored && decodeProgress(stored.value), entry.modRevision);
          const job = exportedJob(scope, record, progress);
          if (job === undefined) {
            stats.finished++;
            continue;
          }
          await emit(job);
          stats.exported++;
        }
        const last = page.entries[page.entries.length - 1];
        if (!page.more || !last) break;
        startAfter = last.key;
      }
    }
  }
  return stats;
}

/** Options of `importJobs`. */
export interface ImportJobsOptions {
  /** Replace a job of the same name whose stored form differs (default: keep it, and report a conflict). */
  overwrite?: boolean;
  /** Import every line into this namespace instead of its own. */
  namespace?: string;
  /** Import every line into this app id instead of its own. */
  appId?: string;
  /** Check every line, write nothing. */
  dryRun?: boolean;
  /** Called after each batch, with the stats so far. */
  onProgress?: (stats: ImportStats) => void;
}

/** What `importJobs` did. */
export interface ImportStats {
  /** Lines read (blank lines included). */
  lines: number;
  /** Jobs stored that did not exist. */
  created: number;
  /** Jobs that existed with exactly the imported form: left alone (a repeated import). */
  unchanged: number;
  /** Jobs that existed in another form and were replaced (`overwrite`). */
  replaced: number;
  /** Jobs that existed in another form and were kept (no `overwrite`): the first names, up to 20. */
  conflicts: string[];
  /** How many conflicts there were in all. */
  conflictCount: number;
}

/** Jobs validated and written per batch. */
const IMPORT_BATCH = 500;
/** Jobs per transaction: etcd's limit is 128 operations, each replaced job takes two. */
const TXN_JOBS = 48;
/** Record bytes per transaction, under etcd's default 1.5 MiB request limit. */
const TXN_BYTES = 1024 * 1024;
const MAX_CONFLICT_NAMES = 20;

/**
 * Imports export lines into the store. Each line is validated (`parseJobLine`) before its batch
 * is written; the first bad line stops the import with a `JobImportLineError` naming it, after the
 * lines before it were stored. Idempotent: a job whose stored record is exactly the imported one
 * is left alone, so importing a file twice stores each job once and restarts nothing. A job of the
 * same name in another form is kept and reported as a conflict, or replaced with `overwrite`
 * (its progress starts afresh from the imported line). Each job is written with a guard on what
 * was read, so a job changed meanwhile is read and decided again.
 */
export async function importJobs(
  kv: KvStore,
  lines: AsyncIterable<string>,
  options: ImportJobsOptions = {},
): Promise<ImportStats> {
  // Checked before the first line, as scopeKeys checks them: a dry run must refuse them too.
  scopeKeys(options.namespace ?? 'any', options.appId ?? 'any');
  const stats: ImportStats = {
    lines: 0,
    created: 0,
    unchanged: 0,
    replaced: 0,
    conflicts: [],
    conflictCount: 0,
  };
  const partitions = new Map<string, Promise<number>>();
  const partitionsOf = (scope: JobScope): Promise<number> => {
    const keys = scopeKeys(scope.namespace, scope.appId);
    const id = keys.root;
    let count = partitions.get(id);
    if (count === undefined) {
      // As any client of the scope does: adopt its count, or store the default for a new scope.
      count = agreePartitionCount(kv, clusterKeys(keys.clusterPrefix).partitionCount);
      partitions.set(id, count);
    }
    return count;
  };
  let batch: ImportedJob[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    if (options.dryRun !== true) await writeBatch(kv, batch, partitionsOf, options.overwrite === true, stats);
    batch = [];
    options.onProgress?.(stats);
  };
  for await (const raw of lines) {
    stats.lines++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') continue;
    batch.push(
      parseJobLine(text, stats.lines, {
        ...(options.namespace !== undefined && { namespace: options.namespace }),
        ...(options.appId !== undefined && { appId: options.appId }),
      }),
    );
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  return stats;
}

interface Planned {
  job: ImportedJob;
  key: string;
  progressKey: string;
  value: string;
}

async function writeBatch(
  kv: KvStore,
  batch: readonly ImportedJob[],
  partitionsOf: (scope: JobScope) => Promise<number>,
  overwrite: boolean,
  stats: ImportStats,
): Promise<void> {
  const planned: Planned[] = [];
  for (const job of batch) {
    const keys = scopeKeys(job.namespace, job.appId);
    const partition = partitionOf(job.record.partitionKey, await partitionsOf(job));
    planned.push({
      job,
      key: keys.jobKey(partition, job.record.name),
      progressKey: keys.progressKey(partition, job.record.name),
      value: encodeRecord(job.record),
    });
  }
  // A name twice in one file: the later line wins, as it would in two runs.
  const byKey = new Map(planned.map((p) => [p.key, p]));
  let pending = [...byKey.values()];
  let perJob = false;
  // Each round writes what it read; a guard that fails (a concurrent writer) sends the jobs of its
  // transaction round again, each then in a transaction of its own, decided on a fresh read.
  while (pending.length > 0) {
    const existing = await kv.getMany(pending.map((p) => p.key));
    const writes: Array<{ plan: Planned; existing: KvEntry | undefined }> = [];
    pending.forEach((plan, i) => {
      const found = existing[i];
      if (found !== undefined && found.value === plan.value) stats.unchanged++;
      else if (found !== undefined && !overwrite) {
        stats.conflictCount++;
        if (stats.conflicts.length < MAX_CONFLICT_NAMES) stats.conflicts.push(plan.job.record.name);
      } else writes.push({ plan, existing: found });
    });
    const retry: Planned[] = [];
    for (const chunk of chunks(writes, perJob ? 1 : TXN_JOBS)) {
      const guards: StoreGuard[] = chunk.map((w) => ({
        key: w.plan.key,
        modRevision: w.existing?.modRevision ?? 0,
      }));
      const ops: StoreOp[] = chunk.flatMap((w): StoreOp[] => [
        { op: 'put', key: w.plan.key, value: w.plan.value },
        // A replaced job starts afresh: its old counter must not be read as the new one's.
        ...(w.existing !== undefined ? [{ op: 'delete' as const, key: w.plan.progressKey }] : []),
      ]);
      if ((await kv.txn(guards, ops)).succeeded) {
        for (const w of chunk) {
          if (w.existing === undefined) stats.created++;
          else stats.replaced++;
        }
      } else {
        for (const w of chunk) retry.push(w.plan);
      }
    }
    pending = retry;
    perJob = true;
  }
}

/** Writes cut into transactions of at most `maxJobs` jobs and TXN_BYTES of records. */
function chunks<T extends { plan: Planned }>(writes: readonly T[], maxJobs: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = Buffer.byteLength(write.plan.value) + Buffer.byteLength(write.plan.key);
    if (current.length > 0 && (current.length >= maxJobs || bytes + size > TXN_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(write);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

async function hasJobs(kv: KvStore, scope: JobScope): Promise<boolean> {
  return (await storedPartitionCount(kv, scopeKeys(scope.namespace, scope.appId))) !== undefined;
}

/** The scope's stored partition count, undefined when it has none (it never had a job or a replica). */
async function storedPartitionCount(kv: KvStore, keys: ScopeKeys): Promise<number | undefined> {
  const value = (await kv.get(clusterKeys(keys.clusterPrefix).partitionCount))?.value;
  const count = Number(value);
  return value !== undefined && Number.isSafeInteger(count) && count >= 1 ? count : undefined;
}
