/** Buckets allocated the first time (a power of two); doubled to keep the load at most a half. */
const INITIAL_BUCKETS = 2048;
/** Arena bytes allocated the first time; doubled as needed. */
const INITIAL_ARENA = 16 * 1024;
/** Below this many wasted bytes, compacting the arena is not worth it. */
const MIN_COMPACT_BYTES = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The names of a DormantStore's slots as UTF-8 bytes in one arena, with an open-addressing hash
 * index (linear probing) by (partition, name). It replaces a `Map<string, slot>` per partition
 * and a JS string per name: a million dormant jobs named like `m123456` cost about 7 bytes of
 * arena, 8 of offset and length, and 8 of buckets (load at most a half) each, against some 60
 * bytes for the string and its map entry. A freed name's bytes stay in the arena until the wasted
 * bytes outnumber the live ones; then the arena is rewritten without them.
 *
 * The partition of a slot is the store's (read through `partitionOf`). Pure bookkeeping.
 */
export class DormantNames {
  readonly #partitionOf: (slot: number) => number;
  #offset = new Uint32Array(0);
  #length = new Uint32Array(0);
  /** Slot + 1 per bucket; 0 is empty. */
  #buckets = new Int32Array(0);
  #count = 0;
  #arena = new Uint8Array(0);
  #arenaUsed = 0;
  #wasted = 0;
  /** Encoding scratch for lookups: no allocation per `find`. */
  #scratch = new Uint8Array(256);

  constructor(partitionOf: (slot: number) => number) {
    this.#partitionOf = partitionOf;
  }

  /** Grows the per-slot columns to `capacity` slots. */
  grow(capacity: number): void {
    const offset = new Uint32Array(capacity);
    offset.set(this.#offset);
    this.#offset = offset;
    const length = new Uint32Array(capacity);
    length.set(this.#length);
    this.#length = length;
  }

  /** Stores `name` for `slot` (whose partition the store has set) and indexes it. */
  add(slot: number, name: string): void {
    const bytes = this.#encode(name);
    if (this.#arenaUsed + bytes.length > this.#arena.length) this.#makeRoom(bytes.length);
    this.#arena.set(bytes, this.#arenaUsed);
    this.#offset[slot] = this.#arenaUsed;
    this.#length[slot] = bytes.length;
    this.#arenaUsed += bytes.length;
    if ((this.#count + 1) * 2 > this.#buckets.length)
      this.#rehash(Math.max(INITIAL_BUCKETS, this.#buckets.length * 2));
    this.#insert(slot);
    this.#count++;
  }

  /** The slot holding (partition, name), if any. */
  find(partition: number, name: string): number | undefined {
    if (this.#count === 0) return undefined;
    const bytes = this.#encode(name);
    const mask = this.#buckets.length - 1;
    for (let i = hash(partition, bytes, 0, bytes.length) & mask; ; i = (i + 1) & mask) {
      const entry = this.#buckets[i] ?? 0;
      if (entry === 0) return undefined;
      const slot = entry - 1;
      if (this.#partitionOf(slot) === partition && this.#equals(slot, bytes)) return slot;
    }
  }

  nameOf(slot: number): string {
    const start = this.#offset[slot] ?? 0;
    return decoder.decode(this.#arena.subarray(start, start + (this.#length[slot] ?? 0)));
  }

  /** Unindexes `slot` (which must be indexed); its bytes are wasted until a compaction. */
  delete(slot: number): void {
    const mask = this.#buckets.length - 1;
    let i = this.#home(slot) & mask;
    while ((this.#buckets[i] ?? 0) !== slot + 1) i = (i + 1) & mask;
    // Backward-shift deletion: move later entries of the probe run into the hole when their home
    // bucket does not lie (cyclically) between the hole and where they are.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const entry = this.#buckets[j] ?? 0;
      if (entry === 0) break;
      const home = this.#home(entry - 1) & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (between) continue;
      this.#buckets[i] = entry;
      i = j;
    }
    this.#buckets[i] = 0;
    this.#count--;
    this.#wasted += this.#length[slot] ?? 0;
  }

  /** Drops every name (the store frees every slot). */
  clear(): void {
    this.#buckets.fill(0);
    this.#count = 0;
    this.#arenaUsed = 0;
    this.#wasted = 0;
  }

  #encode(name: string): Uint8Array {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#scratch.length < name.length * 3) this.#scratch = new Uint8Array(name.length * 3);
    const { written } = encoder.encodeInto(name, this.#scratch);
    return this.#scratch.subarray(0, written);
  }

  #equals(slot: number, bytes: Uint8Array): boolean {
    const length = this.#length[slot] ?? 0;
    if (length !== bytes.length) return false;
    const start = this.#offset[slot] ?? 0;
    const arena = this.#arena;
    for (let k = 0; k < length; k++) if (arena[start + k] !== bytes[k]) return false;
    return true;
  }

  #home(slot: number): number {
    const start = this.#offset[slot] ?? 0;
    return hash(this.#partitionOf(slot), this.#arena, start, start + (this.#length[slot] ?? 0));
  }

  #insert(slot: number): void {
    const mask = this.#buckets.length - 1;
    let i = this.#home(slot) & mask;
    while ((this.#buckets[i] ?? 0) !== 0) i = (i + 1) & mask;
    this.#buckets[i] = slot + 1;
  }

  #rehash(size: number): void {
    const old = this.#buckets;
    this.#buckets = new Int32Array(size);
    for (const entry of old) if (entry !== 0) this.#insert(entry - 1);
  }

  /** Compacts the arena when most of it is wasted, else grows it, to fit `need` more bytes. */
  #makeRoom(need: number): void {
    const live = this.#arenaUsed - this.#wasted;
    const compact = this.#wasted >= MIN_COMPACT_BYTES && this.#wasted >= live;
    // Compacting may shrink the arena too (after a mass of jobs woke); growing doubles it.
    let size = compact ? INITIAL_ARENA : Math.max(INITIAL_ARENA, this.#arena.length);
    while (size < (compact ? live : this.#arenaUsed) + need) size *= 2;
    const arena = new Uint8Array(size);
    if (!compact) {
      arena.set(this.#arena.subarray(0, this.#arenaUsed));
      this.#arena = arena;
      return;
    }
    let used = 0;
    for (const entry of this.#buckets) {
      if (entry === 0) continue;
      const slot = entry - 1;
      const start = this.#offset[slot] ?? 0;
      const length = this.#length[slot] ?? 0;
      arena.set(this.#arena.subarray(start, start + length), used);
      this.#offset[slot] = used;
      used += length;
    }
    this.#arena = arena;
    this.#arenaUsed = used;
    this.#wasted = 0;
  }
}

/** FNV-1a over `bytes[from, to)`, seeded with the partition. */
function hash(partition: number, bytes: Uint8Array, from: number, to: number): number {
  let h = Math.imul(0x811c9dc5 ^ partition, 0x01000193);
  for (let k = from; k < to; k++) h = Math.imul(h ^ (bytes[k] ?? 0), 0x01000193);
  // Mix the high bits down: the index keeps only the low ones.
  return (h ^ (h >>> 16)) >>> 0;
}
