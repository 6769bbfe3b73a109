import {
  Etcd3,
  type IKeyValue,
  type IRangeRequest,
  type IRangeResponse,
  type IRequestOp,
  type ITxnRequest,
  type ITxnResponse,
} from 'etcd3';
import {
  CompactionError,
  StoreClosedError,
  StoreRequestError,
  StoreTooLargeError,
  StoreUnavailableError,
} from './errors.js';
import { toStoreError } from './etcd-error.js';
import { EtcdLease } from './etcd-lease.js';
import { EtcdWatch } from './etcd-watch.js';
import { hostBreaker } from './host-breaker.js';
import { retryUnsent } from './retry-unsent.js';
import { compareKeys, prefixEnd } from './key-order.js';
import type { KvEntry, KvStore, RangeResult, TxnResult, WatchCallbacks, WatchHandle } from './kv-store.js';
import { guardTarget, type StoreGuard, type StoreOp } from './store-op.js';
import { txnBatches } from './txn-batches.js';
import { checkTxn } from './txn-check.js';
import { CLIENT_MAX_RECEIVE_BYTES, ETCD_MAX_REQUEST_BYTES, READ_PAGE_BYTES } from './store-limits.js';
import { RangeSizer } from './range-sizer.js';
import { checkCredentials, etcd3Credentials, type EtcdCredentials } from './etcd-credentials.js';
import { EtcdUnaryClient } from './etcd-unary-client.js';
import { unaryMethod } from './etcd-rpc.js';

/** Options of `connectEtcd` (and of the `etcd` store option): where etcd is and the client's timeouts, in milliseconds. */
export interface ConnectEtcdOptions extends EtcdCredentials {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  hosts: string[];
  /** How long to wait for the first answer before giving up. Default 5000. */
  dialTimeoutMs?: number;
  /** Deadline for each request (not for watch or keepalive streams). Default 10000. */
  requestTimeoutMs?: number;
  /**
   * How long a request that etcd provably did not apply (no connection, every member cooling down,
   * "no leader", "too many requests") is re-sent, with backoff, before it fails. Requests whose
   * outcome is unknown are never re-sent. 0 turns retries off. Default 5000.
   */
  retryDeadlineMs?: number;
  /**
   * The etcd cluster's `--max-request-bytes` (etcd's default, 1.5 MiB, unless the cluster was
   * started with another). The client's receive limit is set well above it, so a single record
   * always fits in an answer.
   */
  maxRequestBytes?: number;
  /** What one range answer aims to stay under (default 2 MiB); see `KvStore.range`. */
  readPageBytes?: number;
}

/**
 * Throws a StoreRequestError naming the first bad option. Synchronous, so callers that connect
 * lazily (on first use) can still refuse bad options when they are given.
 */
export function checkConnectOptions(options: ConnectEtcdOptions): void {
  const { hosts } = options;
  if (!Array.isArray(hosts) || hosts.length === 0 || hosts.some((h) => typeof h !== 'string' || h === '')) {
    throw new StoreRequestError('hosts', hosts, 'at least one etcd client URL, e.g. http://127.0.0.1:2379');
  }
  for (const field of ['dialTimeoutMs', 'requestTimeoutMs'] as const) {
    const value = options[field];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new StoreRequestError(field, value, 'a number of milliseconds > 0');
    }
  }
  for (const field of ['maxRequestBytes', 'readPageBytes'] as const) {
    const value = options[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1024)) {
      throw new StoreRequestError(field, value, 'an integer number of bytes >= 1024');
    }
  }
  checkCredentials(hosts, options);
  const retry = options.retryDeadlineMs;
  if (retry !== undefined && !(Number.isFinite(retry) && retry >= 0)) {
    throw new StoreRequestError('retryDeadlineMs', retry, 'a number of milliseconds >= 0');
  }
}

/**
 * Connects to an etcd cluster and checks that it answers. Throws `StoreRequestError` for a bad
 * option and `StoreUnavailableError` when etcd does not answer within `dialTimeoutMs`. Close the
 * store when done.
 */
export async function connectEtcd(options: ConnectEtcdOptions): Promise<EtcdKv> {
  checkConnectOptions(options);
  const { hosts, dialTimeoutMs = 5_000, requestTimeoutMs = 10_000, retryDeadlineMs = 5_000 } = options;
  const maxRequestBytes = options.maxRequestBytes ?? ETCD_MAX_REQUEST_BYTES;
  // grpc-js refuses answers over 4 MiB by default, and a watch answer carries whole records: the
  // limit must hold the largest record etcd accepts, with room for a batch of them.
  const maxReceiveBytes = Math.max(CLIENT_MAX_RECEIVE_BYTES, 8 * maxRequestBytes);
  const client = new Etcd3({
    hosts,
    ...etcd3Credentials(options),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    grpcOptions: {
      // Notice a silently dead connection (etcd paused, network gone) instead of waiting forever.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.max_receive_message_length': maxReceiveBytes,
    },
    faultHandling: { host: hostBreaker(1_000), global: retryUnsent({ deadlineMs: retryDeadlineMs }) },
  });
  try {
    await client.maintenance.status({ deadline: Date.now() + dialTimeoutMs });
  } catch (error) {
    client.close();
    const cause = toStoreError(error, 'connect');
    // etcd answered and refused (a wrong password, a permission): say so, not "no answer".
    if (!(cause instanceof StoreUnavailableError)) throw cause;
    throw new StoreUnavailableError(
      'connect',
      `no answer from ${hosts.join(', ')} within ${dialTimeoutMs} ms`,
      {
        cause,
      },
    );
  }
  const unary = new EtcdUnaryClient({
    ...options,
    requestTimeoutMs,
    dialTimeoutMs,
    retryDeadlineMs,
    maxReceiveBytes,
  });
  return new EtcdKv(client, unary, { readPageBytes: options.readPageBytes ?? READ_PAGE_BYTES });
}

const RANGE = unaryMethod<IRangeRequest, IRangeResponse>('KV', 'Range');
const TXN = unaryMethod<ITxnRequest, ITxnResponse>('KV', 'Txn');

/** KvStore on a real etcd cluster. Every etcd/gRPC error leaves here as a StoreError. */
export class EtcdKv implements KvStore {
  readonly #client: Etcd3;
  /** Reads and transactions; etcd3 keeps watches, leases and compaction. */
  readonly #unary: EtcdUnaryClient;
  readonly #watches = new Set<EtcdWatch>();
  readonly #leases = new Set<EtcdLease>();
  readonly #sizer: RangeSizer;
  #closed = false;

  /** @internal Use `connectEtcd`, which checks the options and the connection. */
  constructor(client: Etcd3, unary: EtcdUnaryClient, options: { readPageBytes?: number } = {}) {
    this.#client = client;
    this.#unary = unary;
    this.#sizer = new RangeSizer(options.readPageBytes ?? READ_PAGE_BYTES);
  }

  async get(key: string): Promise<KvEntry | undefined> {
    this.#assertOpen('get');
    try {
      const res = await this.#unary.call(RANGE, { key: Buffer.from(key, 'utf8') });
      const kv = res.kvs[0];
      return kv ? toEntry(kv) : undefined;
    } catch (error) {
      throw toStoreError(error, 'get');
    }
  }

  async getMany(keys: readonly string[]): Promise<Array<KvEntry | undefined>> {
    this.#assertOpen('getMany');
    // One read-only transaction per batch (etcd caps a transaction's operations), sent together.
    const answers = await Promise.all(txnBatches(keys).map((batch) => this.#readBatch(batch)));
    return answers.flat();
  }

  /**
   * One transaction of reads. An answer over the receive limit (large records) is read again in
   * halves, down to one key a transaction, which always fits: no record makes its neighbours
   * unreadable.
   */
  async #readBatch(batch: readonly string[]): Promise<Array<KvEntry | undefined>> {
    try {
      const res = await this.#unary.call(TXN, {
        compare: [],
        success: batch.map((key) => ({ request_range: { key: Buffer.from(key, 'utf8') } })),
        failure: [],
      });
      return res.responses.map((op) => {
        const kv = op.response_range.kvs[0];
        return kv ? toEntry(kv) : undefined;
      });
    } catch (error) {
      const converted = toStoreError(error, 'getMany');
      if (!(converted instanceof StoreTooLargeError) || batch.length === 1) throw converted;
      const half = Math.ceil(batch.length / 2);
      const [first, second] = await Promise.all([
        this.#readBatch(batch.slice(0, half)),
        this.#readBatch(batch.slice(half)),
      ]);
      return [...first, ...second];
    }
  }

  /**
   * Pages are bounded in bytes as well as keys: a page ends once its entries reach the read page
   * size, so it may hold fewer than `limit` entries with `more` set. It is read in one or more
   * requests at one revision: the first asks for a few keys (their sizes are not known yet), the
   * next for as many as the bytes seen so far suggest fit. An answer over the receive limit is asked
   * for again with fewer keys.
   */
  async range(prefix: string, options: { limit?: number; startAfter?: string } = {}): Promise<RangeResult> {
    this.#assertOpen('range');
    const { limit, startAfter } = options;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
      throw new StoreRequestError('limit', limit, 'a positive integer');
    }
    const want = limit ?? Number.MAX_SAFE_INTEGER;
    const rangeEnd = prefixEnd(prefix);
    // The smallest key after `startAfter` is `startAfter` followed by a NUL byte.
    let from =
      startAfter !== undefined && compareKeys(startAfter, prefix) >= 0
        ? Buffer.from(`${startAfter}\0`, 'utf8')
        : Buffer.from(prefix, 'utf8');
    const entries: KvEntry[] = [];
    let bytes = 0;
    let revision: number | undefined;
    let ask = this.#sizer.firstAsk(want);
    const { pageBytes } = this.#sizer;
    for (;;) {
      let res;
      try {
        res = await this.#unary.call(RANGE, {
          key: from,
          range_end: rangeEnd,
          limit: ask,
          ...(revision !== undefined ? { revision } : {}),
        });
      } catch (error) {
        const converted = toStoreError(error, 'range');
        if (converted instanceof StoreTooLargeError && ask > 1) {
          ask = this.#sizer.shrink(ask);
          continue;
        }
        // Compacted past the page's revision between two of its requests: what was read is a
        // consistent page; the caller reads on from its last key.
        if (revision !== undefined && entries.length > 0) return { entries, revision, more: true };
        throw converted;
      }
      revision ??= Number(res.header.revision);
      const before = entries.length;
      let last: IKeyValue | undefined;
      let answerBytes = 0;
      let cut = false;
      for (const kv of res.kvs) {
        // The page ends at the first entry that reaches the page size, as MemoryKv's does; the
        // rest of this answer is read again by the next page (the answer was small enough to take).
        if (bytes >= pageBytes) {
          cut = true;
          break;
        }
        const size = kv.key.length + kv.value.length;
        bytes += size;
        answerBytes += size;
        entries.push(toEntry(kv));
        last = kv;
      }
      this.#sizer.observe(entries.length - before, answerBytes);
      if (cut) return { entries, revision, more: true };
      if (!res.more || !last) return { entries, revision, more: false };
      const next = this.#sizer.nextAsk(entries.length, bytes, want);
      if (next === 0) return { entries, revision, more: true };
      ask = next;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  async txn(guards: StoreGuard[], ops: StoreOp[]): Promise<TxnResult> {
    this.#assertOpen('txn');
    checkTxn(guards, ops);
    try {
      const res = await this.#unary.call(TXN, {
        compare: guards.map((guard) => {
          const { target, revision } = guardTarget(guard);
          const key = Buffer.from(guard.key, 'utf8');
          return target === 'Mod'
            ? { key, target, result: 'Equal' as const, mod_revision: revision }
            : { key, target, result: 'Equal' as const, create_revision: revision };
        }),
        success: ops.map(toRequestOp),
        failure: [],
      });
      return { succeeded: res.succeeded, revision: Number(res.header.revision) };
    } catch (error) {
      const lease = ops.find((op) => op.op === 'put' && op.lease !== undefined);
      throw toStoreError(error, 'txn', lease?.op === 'put' ? lease.lease : undefined);
    }
  }

  async watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Promise<WatchHandle> {
    this.#assertOpen('watch');
    const watch = await EtcdWatch.open(this.#client, prefix, fromRevision, {
      onEvents: (events, revision) => callbacks.onEvents(events, revision),
      onReset: (reason) => {
        this.#watches.delete(watch);
        callbacks.onReset(reason);
      },
    });
    this.#watches.add(watch);
    return {
      cancel: async () => {
        this.#watches.delete(watch);
        await watch.cancel();
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<EtcdLease> {
    this.#assertOpen('grantLease');
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new StoreRequestError('ttlSeconds', ttlSeconds, 'an integer number of seconds >= 1');
    }
    const lease = await EtcdLease.grant(this.#client, ttlSeconds);
    this.#leases.add(lease);
    lease.onLost(() => this.#leases.delete(lease));
    return lease;
  }

  /** Compacts etcd's history before `revision`; watches behind it are reset. */
  async compact(revision: number): Promise<void> {
    this.#assertOpen('compact');
    try {
      await this.#client.kv.compact({ revision, physical: true });
    } catch (error) {
      const converted = toStoreError(error, 'compact');
      if (/compacted|future revision/.test(converted.message)) throw new CompactionError(converted.message);
      throw converted;
    }
  }

  /**
   * Cancels watches and stops keepalives (leases then expire after their TTL; revoke them first for
   * an immediate hand-over) and closes the connection.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches].map((watch) => watch.cancel()));
    this.#watches.clear();
    for (const lease of this.#leases) lease.release();
    this.#leases.clear();
    this.#unary.close();
    this.#client.close();
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

function toEntry(kv: IKeyValue): KvEntry {
  const entry: KvEntry = {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
  if (kv.lease !== '0' && kv.lease !== '') entry.lease = kv.lease;
  return entry;
}

function toRequestOp(op: StoreOp): IRequestOp {
  switch (op.op) {
    case 'put':
      return {
        request_put: {
          key: Buffer.from(op.key, 'utf8'),
          value: Buffer.from(op.value, 'utf8'),
          ...(op.lease !== undefined ? { lease: op.lease } : {}),
        },
      };
    case 'delete':
      return { request_delete_range: { key: Buffer.from(op.key, 'utf8') } };
    case 'deletePrefix':
      return {
        request_delete_range: { key: Buffer.from(op.prefix, 'utf8'), range_end: prefixEnd(op.prefix) },
      };
  }
}
