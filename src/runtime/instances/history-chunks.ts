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
  maxEvents: number;
  /** UTF-8 bytes a chunk may reach (unless one event alone is larger); well below etcd's 1.5 MiB request limit. */
  maxBytes: number;
}

/**
 * Small on purpose: every step rewrites the tail chunk in its transaction, so the tail's size is
 * paid on each step of a long workflow (bytes through gRPC, etcd's WAL and its fsync). With 200
 * events or 256 KiB a step of a 10,000-step workflow wrote ~15 KiB and took ~0.3 ms longer than
 * with 16 events or 4 KiB. Reading a history back costs a range over more keys, which measured
 * the same (see docs/performance.md, W6).
 */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxEvents: 16, maxBytes: 4 * 1024 };

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
  for (const [i, event] of events.entries()) {
    const known = lines?.[i];
    const line = known === undefined ? serializeHistory([event]) : `${known}\n`;
    const lineBytes = Buffer.byteLength(line);
    const fits = tail.length < limits.maxEvents && tailBytes + lineBytes <= limits.maxBytes;
    if (!fits && tail.length > 0) {
      if (changed) writes.set(index, tailText);
      index++;
      tail = [];
      tailText = '';
      tailBytes = 0;
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
