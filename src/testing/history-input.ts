import type { HistoryEvent } from '../history/events.js';
import {
  deserializeEvent,
  deserializeHistory,
  HistorySerializationError,
  serializeEvent,
} from '../history/serialize.js';
import { TestEnvironmentError } from './errors.js';

/**
 * A history as users hold it: the events `getWorkflowHistory` returns, or text: JSON Lines from
 * `serializeHistory`, a JSON array of events (with `{"$date": ...}` tags or plain ISO dates, as
 * `JSON.stringify(await client.getWorkflowHistory(id))` gives), or an object with the array under
 * `history` or `events`.
 */
export type HistoryInput = readonly HistoryEvent[] | string;

/** Top-level event fields that hold dates; plain `JSON.stringify` turns them into ISO strings. */
const DATE_FIELDS = ['timestamp', 'fireAt', 'scheduledStartAt'] as const;

const ALLOWED =
  'an array of history events, JSON Lines from serializeHistory, or JSON (an array of events, or { history: [...] })';

/** Turns any accepted form into validated events; throws TestEnvironmentError naming what is wrong. */
export function toHistory(input: unknown, source = 'history'): HistoryEvent[] {
  if (typeof input === 'string') return parseText(input, source);
  if (Array.isArray(input)) return input.map((item: unknown, index) => reviveEvent(item, source, index));
  throw new TestEnvironmentError(source, input, ALLOWED);
}

function parseText(text: string, source: string): HistoryEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not one JSON document: JSON Lines (one event per line).
    return rethrowing(source, () => deserializeHistory(text));
  }
  if (Array.isArray(parsed)) return toHistory(parsed, source);
  if (typeof parsed === 'object' && parsed !== null) {
    const wrapped = parsed as Record<string, unknown>;
    for (const key of ['history', 'events']) {
      if (Array.isArray(wrapped[key])) return toHistory(wrapped[key], source);
    }
    // A single JSON Lines event (a one-step history) is also one JSON object.
    if (typeof wrapped['type'] === 'string') return [reviveEvent(parsed, source, 0)];
  }
  throw new TestEnvironmentError(source, parsed, ALLOWED);
}

/** One event from JSON: dates come back as Dates, then the event is validated like stored history. */
function reviveEvent(value: unknown, source: string, index: number): HistoryEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TestEnvironmentError(`${source} event ${index}`, value, 'a history event object');
  }
  try {
    // The stored form: dates (payloads included) tagged as {"$date": ISO}, read back exactly.
    return deserializeEvent(JSON.stringify(value));
  } catch (error) {
    if (!(error instanceof HistorySerializationError)) throw error;
  }
  // Plain JSON of events: top-level dates are ISO strings (dates inside payloads stay strings).
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of DATE_FIELDS) {
    const date = copy[field];
    if (typeof date === 'string') copy[field] = new Date(date);
  }
  // Serialising and reading back validates every field as stored history is validated.
  return rethrowing(`${source} event ${index}`, () =>
    deserializeEvent(serializeEvent(copy as unknown as HistoryEvent)),
  );
}

function rethrowing<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof HistorySerializationError) {
      throw new TestEnvironmentError(`${where}: ${error.field}`, error.value, error.allowed);
    }
    throw error;
  }
}
