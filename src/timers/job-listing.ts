import type { KvEntry, KvStore } from '../etcd/kv-store.js';
import { compareKeys } from '../etcd/key-order.js';
import { JobValidationError } from './errors.js';
import { decodeProgress, decodeRecord } from './job-codec.js';
import type { ScopeKeys } from './job-keys.js';
import { currentProgress } from './schedule/job.js';
import { toJobView, type JobView } from './job-view.js';
import { nextFire } from './schedule/next-fire.js';

/** One page of jobs; `next` is the `after` of the following page, absent on the last. */
export interface JobPage {
  /** The page's jobs, in name order. */
  jobs: JobView[];
  next?: string;
}

/** Options of `TimerService.listPage`. */
export interface ListPageOptions {
  /** Only jobs whose names start with this. */
  prefix?: string;
  /** Jobs per page, at most 10,000 (default 100); a page may end earlier once it is 4 MiB. */
  limit?: number;
  /** Start after this job name: the previous page's `next`. */
  after?: string;
}

/** The largest page `listPage` returns (and the page size `list` reads with). */
export const MAX_LIST_PAGE = 10_000;

/**
 * Stored bytes (keys and records, job data included) after which a page ends early, with `next`
 * set: 10,000 jobs of 1 MiB data each must not become one answer of 10 GB.
 */
export const MAX_LIST_PAGE_BYTES = 4 * 1024 * 1024;

interface Scope {
  kv: KvStore;
  keys: ScopeKeys;
  partitions: number;
}

interface Picked {
  partition: number;
  name: string;
  entry: KvEntry;
}

/**
 * One page of a scope's jobs whose names start with `prefix` and sort after `after`, in name order
 * (etcd's, by code point), each with its count and next fire time. Jobs created or deleted between
 * pages may or may not show, as in any paged listing.
 */
export async function listJobPage(scope: Scope, options: ListPageOptions): Promise<JobPage> {
  const { prefix = '', limit = 100, after } = options;
  if (typeof prefix !== 'string') throw new JobValidationError('prefix', prefix, 'a string');
  if (after !== undefined && typeof after !== 'string') {
    throw new JobValidationError('after', after, 'a job name (the `next` of the previous page)');
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_PAGE) {
    throw new JobValidationError('limit', limit, `an integer from 1 to ${MAX_LIST_PAGE}`);
  }
  const { picked, full } = await mergePartitions(scope, prefix, after, limit + 1);
  const page = picked.slice(0, limit);
  const counters = await scope.kv.getMany(page.map((j) => scope.keys.progressKey(j.partition, j.name)));
  const jobs: JobView[] = [];
  page.forEach(({ entry }, i) => {
    const record = decodeRecord(entry.value);
    if (!record) return;
    const stored = counters[i];
    const progress = currentProgress(stored && decodeProgress(stored.value), entry.modRevision);
    jobs.push(toJobView(record, progress, nextFire(record, progress)));
  });
  const last = page[page.length - 1];
  return (picked.length > limit || full) && last ? { jobs, next: last.name } : { jobs };
}

/**
 * The first `count` jobs by name across all partitions (each partition is one key range in name
 * order): a merge of per-partition cursors, each read in small chunks and refilled as it runs dry,
 * so a page reads about as many keys as it returns, not `count` per partition. `full` is set when
 * the page ended at MAX_LIST_PAGE_BYTES instead.
 */
async function mergePartitions(
  { kv, keys, partitions }: Scope,
  prefix: string,
  after: string | undefined,
  count: number,
): Promise<{ picked: Picked[]; full: boolean }> {
  const chunk = Math.max(16, Math.ceil((2 * count) / partitions));
  const cursors = Array.from({ length: partitions }, (_, partition) => {
    const base = keys.jobsPrefix(partition);
    return {
      partition,
      base,
      entries: [] as KvEntry[],
      at: 0,
      more: true,
      startAfter: after === undefined ? undefined : base + after,
    };
  });
  type Cursor = (typeof cursors)[number];
  const fill = async (c: Cursor): Promise<void> => {
    const page = await kv.range(c.base + prefix, {
      limit: chunk,
      ...(c.startAfter !== undefined && { startAfter: c.startAfter }),
    });
    c.entries = page.entries;
    c.at = 0;
    c.more = page.more;
    const last = page.entries[page.entries.length - 1];
    if (last) c.startAfter = last.key;
  };
  await Promise.all(cursors.map(fill));
  const picked: Picked[] = [];
  let bytes = 0;
  while (picked.length < count) {
    if (bytes >= MAX_LIST_PAGE_BYTES) return { picked, full: true };
    let best: { cursor: Cursor; name: string; entry: KvEntry } | undefined;
    for (const cursor of cursors) {
      const entry = cursor.entries[cursor.at];
      if (!entry) continue;
      const name = entry.key.slice(cursor.base.length);
      if (!best || compareKeys(name, best.name) < 0) best = { cursor, name, entry };
    }
    if (!best) break;
    picked.push({ partition: best.cursor.partition, name: best.name, entry: best.entry });
    bytes += best.entry.key.length + best.entry.value.length;
    const c = best.cursor;
    // Refill before the next comparison: a cursor with more keys must never look empty.
    if (++c.at === c.entries.length && c.more) await fill(c);
  }
  return { picked, full: false };
}
