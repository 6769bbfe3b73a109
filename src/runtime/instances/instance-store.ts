import type { KvEntry, KvStore } from '../../etcd/kv-store.js';
import { GroupRead } from '../../etcd/group-read.js';
import type { ExecutionStartedEvent, HistoryEvent } from '../../history/events.js';
import { deserializeEvent, deserializeHistory } from '../../history/serialize.js';
import type { InstanceKeys } from './instance-keys.js';
import { decodeInstance, type InstanceRecord } from './instance-record.js';
import { TickflowError } from '../../common/tickflow-error.js';

export interface LoadedInstance {
  record: InstanceRecord;
  modRevision: number;
  /** Identifies this incarnation of the instance id: a purged and re-started id has a new one. */
  createRevision: number;
}

export interface InboxMessage {
  key: string;
  event: HistoryEvent;
}

/** A stored history that cannot be read back; the instance is failed with this reason. */
export class CorruptHistoryError extends TickflowError {
  override name = 'CorruptHistoryError';
}

function decodeLoaded(instanceId: string, entry: KvEntry): LoadedInstance {
  const record = decodeInstance(entry.value);
  if (!record) throw new CorruptHistoryError(`instance record of ${instanceId} is not readable`);
  return { record, modRevision: entry.modRevision, createRevision: entry.createRevision };
}

/**
 * The record with its input filled in from the first ExecutionStarted in `chunks` (the history's
 * first chunks, in order); 'unresolved' when the record needs it and it is not there, or is of
 * another generation than the record's.
 */
function withInput(
  instanceId: string,
  entry: KvEntry | undefined,
  chunks: Array<KvEntry | undefined>,
): LoadedInstance | undefined | 'unresolved' {
  if (!entry) return undefined;
  const loaded = decodeLoaded(instanceId, entry);
  const { record } = loaded;
  if (record.input !== undefined || record.chunks === 0) return loaded;
  for (const chunk of chunks) {
    if (!chunk) return 'unresolved';
    for (const line of chunk.value.split('\n')) {
      // `serializeEvent` writes the type first.
      if (!line.startsWith('{"type":"ExecutionStarted"')) continue;
      const opening = parseOpening(line);
      // Unreadable: the state is still reported, without input; the instance's next step reads
      // the history and fails it with a CorruptHistoryError naming the key.
      if (opening === undefined) return loaded;
      if (opening.generation !== record.generation) return 'unresolved';
      if (opening.input !== undefined) record.input = opening.input;
      return loaded;
    }
  }
  return 'unresolved';
}

function parseOpening(line: string): ExecutionStartedEvent | undefined {
  try {
    const event = deserializeEvent(line);
    return event.type === 'ExecutionStarted' ? event : undefined;
  } catch {
    return undefined;
  }
}

/** Reads of instance state shared by the runtime and the client. */
export class InstanceStore {
  readonly #kv: KvStore;
  /** Record reads of instances loaded in the same tick travel together (a burst of starts). */
  readonly #records: GroupRead;
  readonly keys: InstanceKeys;

  constructor(kv: KvStore, keys: InstanceKeys) {
    this.#kv = kv;
    this.#records = new GroupRead(kv);
    this.keys = keys;
  }

  async load(instanceId: string): Promise<LoadedInstance | undefined> {
    const entry = await this.#records.get(this.keys.record(instanceId));
    return entry && decodeLoaded(instanceId, entry);
  }

  /**
   * `load` with the record's input in place, read from the history when a step has moved it there
   * (see `InstanceRecord`): from the generation's opening ExecutionStarted, in chunk 0, or chunk 1
   * when it was too large to share a chunk with the step's OrchestratorStarted. The keys go with
   * the tick's other record reads; a large batch may split them over two transactions, so an
   * opening not of the record's generation (a continue-as-new in between) has them read again in
   * one transaction.
   */
  async loadWithInput(instanceId: string): Promise<LoadedInstance | undefined> {
    const recordKey = this.keys.record(instanceId);
    const chunk0 = this.keys.historyChunk(instanceId, 0);
    const chunk1 = this.keys.historyChunk(instanceId, 1);
    const [entry, first] = await Promise.all([this.#records.get(recordKey), this.#records.get(chunk0)]);
    let found = withInput(instanceId, entry, [first]);
    if (found === 'unresolved')
      found = withInput(instanceId, entry, [first, await this.#records.get(chunk1)]);
    if (found !== 'unresolved') return found;
    const [again, ...chunks] = await this.#kv.getMany([recordKey, chunk0, chunk1]);
    found = withInput(instanceId, again, chunks);
    // History with no opening of the record's generation: the record as it is, without input.
    return found === 'unresolved' ? again && decodeLoaded(instanceId, again) : found;
  }

  /** The current generation's history, chunk by chunk, in order. */
  async history(instanceId: string): Promise<HistoryEvent[]> {
    const entries = await this.#rangeAll(this.keys.historyPrefix(instanceId));
    const events: HistoryEvent[] = [];
    for (const entry of entries) {
      try {
        events.push(...deserializeHistory(entry.value));
      } catch (error) {
        throw new CorruptHistoryError(
          `history of ${instanceId} is corrupt at ${entry.key}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return events;
  }

  /**
   * Pending inbox messages, oldest first. Starts (and continue-as-new openings) come before anything
   * else, since a message can arrive before the new generation it is meant for is opened.
   */
  async inbox(
    instanceId: string,
    limit: number,
  ): Promise<{ messages: InboxMessage[]; unreadable: string[]; more: boolean }> {
    const page = await this.#kv.range(this.keys.inboxPrefix(instanceId), { limit });
    const entries = [...page.entries].sort(
      (a, b) => a.createRevision - b.createRevision || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    const messages: InboxMessage[] = [];
    const unreadable: string[] = [];
    for (const entry of entries) {
      try {
        messages.push({ key: entry.key, event: deserializeEvent(entry.value) });
      } catch {
        unreadable.push(entry.key);
      }
    }
    const opening = messages.filter((m) => m.event.type === 'ExecutionStarted');
    const rest = messages.filter((m) => m.event.type !== 'ExecutionStarted');
    // Events carried by continue-as-new belong right after their ExecutionStarted.
    const carried = rest.filter((m) => m.key.includes('/can~'));
    const others = rest.filter((m) => !m.key.includes('/can~'));
    // `more` comes from the store: a page of large events ends by bytes before `limit`.
    return { messages: [...opening, ...carried, ...others], unreadable, more: page.more };
  }

  /** Instance records in key order, a page at a time. */
  async listRecords(
    startAfter: string | undefined,
    limit: number,
  ): Promise<{ records: Array<{ record: InstanceRecord; key: string }>; more: boolean }> {
    const page = await this.#kv.range(this.keys.instancesPrefix, {
      limit,
      ...(startAfter !== undefined ? { startAfter } : {}),
    });
    const records: Array<{ record: InstanceRecord; key: string }> = [];
    for (const entry of page.entries) {
      const record = decodeInstance(entry.value);
      if (record) records.push({ record, key: entry.key });
    }
    return { records, more: page.more };
  }

  async #rangeAll(prefix: string): Promise<KvEntry[]> {
    const all: KvEntry[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.#kv.range(prefix, {
        limit: 500,
        ...(startAfter !== undefined ? { startAfter } : {}),
      });
      all.push(...page.entries);
      const last = page.entries[page.entries.length - 1];
      if (!page.more || !last) return all;
      startAfter = last.key;
    }
  }
}
