import type { CarriedEvent } from '../history/events.js';
import { payloadBytes } from './payload-limit.js';

interface Buffered {
  arrival: number;
  name: string;
  data: unknown;
  bytes: number;
}

type Waiter = (data: unknown) => void;

/**
 * External events by name. An event goes to the oldest waiter for its name, or is buffered
 * until a wait asks for it; both queues are first in, first out. Names are matched
 * case-insensitively, as Dapr does, so 'Approval' and 'approval' are the same event.
 */
export class EventInbox {
  #buffered = new Map<string, Buffered[]>();
  #waiters = new Map<string, Waiter[]>();
  #arrivals = 0;
  #bytes = 0;

  deliver(name: string, data: unknown): void {
    const key = name.toLowerCase();
    const waiter = this.#waiters.get(key)?.shift();
    if (waiter) {
      waiter(data);
      return;
    }
    const queue = this.#buffered.get(key);
    const entry = { arrival: this.#arrivals++, name, data, bytes: payloadBytes(data) };
    this.#bytes += entry.bytes;
    if (queue) queue.push(entry);
    else this.#buffered.set(key, [entry]);
  }

  /** Events delivered that no wait has taken yet. */
  get bufferedCount(): number {
    let n = 0;
    for (const queue of this.#buffered.values()) n += queue.length;
    return n;
  }

  /** The JSON bytes of the buffered events' data: what they hold unconsumed in the store. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Takes the oldest buffered event with this name, if any. */
  take(name: string): { data: unknown } | undefined {
    const key = name.toLowerCase();
    const queue = this.#buffered.get(key);
    const entry = queue?.shift();
    if (queue?.length === 0) this.#buffered.delete(key);
    if (entry) this.#bytes -= entry.bytes;
    return entry && { data: entry.data };
  }

  /** Registers a waiter; the returned function withdraws it (e.g. when its timeout fires). */
  wait(name: string, waiter: Waiter): () => void {
    const key = name.toLowerCase();
    const list = this.#waiters.get(key);
    if (list) list.push(waiter);
    else this.#waiters.set(key, [waiter]);
    return () => {
      const current = this.#waiters.get(key);
      const index = current?.indexOf(waiter) ?? -1;
      if (current && index >= 0) current.splice(index, 1);
    };
  }

  /** Removes and returns every buffered event in arrival order (for continue-as-new). */
  drain(): CarriedEvent[] {
    const all = [...this.#buffered.values()].flat().sort((a, b) => a.arrival - b.arrival);
    this.#buffered.clear();
    this.#bytes = 0;
    return all.map(({ name, data }) => (data === undefined ? { name } : { name, data }));
  }
}
