import type { HistoryEvent } from '../../history/events.js';
import { serializeHistory } from '../../history/serialize.js';

/** Where the current generation's history stands: chunk count and the last chunk's events. */
export interface ChunkState {
  chunks: number;
  tail: HistoryEvent[];
  /** `serializeHistory(tail)`, kept so a step does not re-encode the whole tail chunk. */
  tailText?: string;
  /** UTF-8 bytes of `tailText`, kept with it. */
  tailBytes?: number;
}

export interface ChunkLimits {
  /** Events of a chunk that a later step may append to (and so write again). */
  maxEvents: number;
  /** UTF-8 bytes of such a chunk (unless one event alone is larger). */
  maxBytes: number;
  /** Events of a chunk a step fills itself (written once by it); `maxEvents` when absent. */
  packEvents?: number;
  /**
   * UTF-8 bytes of such a chunk, well below etcd's 1.5 MiB request limit; `maxBytes` when absent.
   * It keeps the chunks of a large step few: they are operations of its one transaction.
   */
  packBytes?: number;
}

/**
 * The chunk later steps append to is small on purpose: each of them writes it again in its
 * transaction, so its size is paid on every step of a long workflow (bytes through gRPC, etcd's
 * WAL and its fsync). One sequential workflow of 3,000 activity steps ran at ~1.45 ms per step
 * with 200 events or 256 KiB there, ~1.07 ms with 16 events or 4 KiB (docs/performance.md, W6).
 * What a step appends beyond that room goes into chunks of up to 200 events or 256 KiB, which
 * no later step appends to: a fan-out of 200 activities with 1 MB of inputs is a few chunks, not
 * 200 operations of one transaction.
 */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = {
  maxEvents: 16,
  maxBytes: 4 * 1024,
  packEvents: 200,
  packBytes: 256 * 1024,
};

/**
 * Appends events to chunked history: the tail chunk is rewritten while it has room, then new
 * chunks start. Returns the chunks to write (index and full text) and the new state.
 */
export function appendToChunks(
  state: ChunkState,
  events: readonly HistoryEvent[],
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
  /** `serializeEvent` of each event, when the caller has it already. */
  lines?: readonly string[],
): { writes: Array<{ chunk: number; text: string }>; next: ChunkState } {
  if (events.length === 0) return { writes: [], next: state };
  const writes = new Map<number, string>();
  let index = Math.max(state.chunks - 1, 0);
  let tail = state.chunks === 0 ? [] : [...state.tail];
  // JSON Lines: the text of a longer tail is the old text plus the new lines.
  let tailText = state.chunks === 0 ? '' : (state.tailText ?? serializeHistory(tail));
  let tailBytes = state.chunks === 0 ? 0 : (state.tailBytes ?? Buffer.byteLength(tailText));
  // The stored tail is rewritten only if something is appended to it: a step whose first event
  // starts a new chunk leaves it alone (it would cost up to a chunk of bytes in the step's txn).
  let changed = false;
  // Whether the chunk being filled was opened by this step: it may then take the packing limits.
  let opened = state.chunks === 0;
  for (const [i, event] of events.entries()) {
    const known = lines?.[i];
    const line = known === undefined ? serializeHistory([event]) : `${known}\n`;
    const lineBytes = Buffer.byteLength(line);
    const maxEvents = opened ? (limits.packEvents ?? limits.maxEvents) : limits.maxEvents;
    const maxBytes = opened ? (limits.packBytes ?? limits.maxBytes) : limits.maxBytes;
    const fits = tail.length < maxEvents && tailBytes + lineBytes <= maxBytes;
    if (!fits && tail.length > 0) {
      if (changed) writes.set(index, tailText);
      index++;
      tail = [];
      tailText = '';
      tailBytes = 0;
      opened = true;
    }
    tail.push(event);
    tailText += line;
    tailBytes += lineBytes;
    changed = true;
  }
  writes.set(index, tailText);
  return {
    writes: [...writes].map(([chunk, text]) => ({ chunk, text })),
    next: { chunks: index + 1, tail, tailText, tailBytes },
  };
}
