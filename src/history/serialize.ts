import { describeValue } from '../common/invalid-input.js';
import type { EventOf, HistoryEvent, HistoryEventType } from './events.js';
import { TickflowError } from '../common/tickflow-error.js';

/** A stored history line that cannot be turned back into an event. */
export class HistorySerializationError extends TickflowError {
  override name = 'HistorySerializationError';
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string) {
    super(`invalid history event ${field}: ${describeValue(value)}; expected ${allowed}`);
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

type FieldKind = 'string' | 'integer' | 'date' | 'object' | 'array';

/**
 * Fields every event of a kind must have after decoding. Typed over the union so a new event
 * kind cannot be stored until its shape is declared here.
 */
const REQUIRED: { [K in HistoryEventType]: Partial<Record<Exclude<keyof EventOf<K>, 'type'>, FieldKind>> } = {
  ExecutionStarted: { timestamp: 'date', name: 'string', instanceId: 'string', generation: 'integer' },
  OrchestratorStarted: { timestamp: 'date' },
  TaskScheduled: { timestamp: 'date', eventId: 'integer', name: 'string' },
  TaskCompleted: { timestamp: 'date', eventId: 'integer' },
  TaskFailed: { timestamp: 'date', eventId: 'integer', failureDetails: 'object' },
  TimerCreated: { timestamp: 'date', eventId: 'integer', fireAt: 'date', origin: 'object' },
  TimerFired: { timestamp: 'date', eventId: 'integer', fireAt: 'date' },
  TimerCancelled: { timestamp: 'date', eventId: 'integer' },
  EventRaised: { timestamp: 'date', name: 'string' },
  EventSent: { timestamp: 'date', eventId: 'integer', instanceId: 'string', name: 'string' },
  ChildWorkflowCreated: { timestamp: 'date', eventId: 'integer', name: 'string', instanceId: 'string' },
  ChildWorkflowCompleted: { timestamp: 'date', eventId: 'integer' },
  ChildWorkflowFailed: { timestamp: 'date', eventId: 'integer', failureDetails: 'object' },
  ExecutionSuspended: { timestamp: 'date' },
  ExecutionResumed: { timestamp: 'date' },
  ExecutionTerminated: { timestamp: 'date' },
  CustomStatusSet: { timestamp: 'date' },
  PatchRecorded: { timestamp: 'date', patchId: 'string' },
  ContinueAsNew: { timestamp: 'date', carriedEvents: 'array' },
  ExecutionCompleted: { timestamp: 'date', status: 'string' },
};

/** `REQUIRED` as lists, made once: validation runs for every event loaded. */
const REQUIRED_ENTRIES: ReadonlyMap<HistoryEventType, ReadonlyArray<readonly [string, FieldKind]>> = new Map(
  Object.entries(REQUIRED).map(([type, fields]) => [
    type as HistoryEventType,
    Object.entries(fields as Record<string, FieldKind>),
  ]),
);

/** User payloads keep their own key order: a workflow iterating its input must see it unchanged. */
const PAYLOAD_FIELDS: ReadonlySet<string> = new Set(['input', 'result', 'data', 'output', 'customStatus']);
const LEADING_FIELDS = ['type', 'eventId', 'timestamp'];
const LEADING_SET: ReadonlySet<string> = new Set(LEADING_FIELDS);
const DATE_TAG = '$date';
/** `$`: payload keys starting with it are escaped (`$$key`) so that `$date` stays a tag. */
const DOLLAR = 36;

/**
 * One event as one line of JSON. Output is stable (same event, same text): the event's own
 * fields come in a fixed order, Dates anywhere (payloads included) are tagged as
 * `{"$date": ISO}`, and payload keys that start with `$` are escaped so the tag stays unambiguous.
 * As in JSON, `undefined` properties are dropped.
 */
export function serializeEvent(event: HistoryEvent): string {
  const record = event as unknown as Record<string, unknown>;
  const rest = Object.keys(record)
    .filter((key) => !LEADING_SET.has(key))
    .sort();
  const keys = [...LEADING_FIELDS.filter((key) => key in record), ...rest];
  return JSON.stringify(encodeEntries(record, keys, true));
}

export function deserializeEvent(text: string): HistoryEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HistorySerializationError('json', text, `valid JSON (${(error as Error).message})`);
  }
  const event = decode(parsed);
  validate(event);
  return event;
}

/** A history as JSON Lines: one event per line, each line stable as in `serializeEvent`. */
export function serializeHistory(events: readonly HistoryEvent[]): string {
  return events.map((event) => `${serializeEvent(event)}\n`).join('');
}

/**
 * Parses a history written by `serializeHistory` (JSON Lines; blank lines are skipped). Throws
 * `HistorySerializationError` naming the line and field of the first event that is not valid.
 */
export function deserializeHistory(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      events.push(deserializeEvent(line));
    } catch (error) {
      if (error instanceof HistorySerializationError) {
        throw new HistorySerializationError(`line ${index + 1}: ${error.field}`, error.value, error.allowed);
      }
      throw error;
    }
  });
  return events;
}

/**
 * A payload exactly as it will read back from stored history (undefined array items become
 * null, undefined properties vanish, class instances become plain objects, Dates stay Dates).
 * The executor stores payloads in this form so a live run and a later replay see equal values.
 */
export function normalizePayload(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return isOmitted(value) ? undefined : value;
  return decodeValue(encode(value, false));
}

function encode(value: unknown, sortKeys: boolean): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new HistorySerializationError('date', value, 'a valid Date');
    return { [DATE_TAG]: value.toISOString() };
  }
  if (Array.isArray(value)) return value.map((item) => (isOmitted(item) ? null : encode(item, sortKeys)));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encode(toJSON.call(value), sortKeys);
  const keys = Object.keys(value);
  if (sortKeys) keys.sort();
  return encodeEntries(value as Record<string, unknown>, keys, sortKeys);
}

/** The encoded copy of `value`'s properties `keys`, in that order. */
function encodeEntries(value: Record<string, unknown>, keys: readonly string[], sortKeys: boolean): unknown {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const item = value[key];
    if (isOmitted(item)) continue;
    setOwn(
      out,
      key.charCodeAt(0) === DOLLAR ? `$${key}` : key,
      encode(item, sortKeys && !PAYLOAD_FIELDS.has(key)),
    );
  }
  return out;
}

/**
 * Sets an own property. Plain assignment is the fast path; `__proto__` alone would change the
 * prototype when assigned, so it is defined instead and stays a data key.
 */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function decode(value: unknown): HistoryEvent {
  return decodeValue(value) as HistoryEvent;
}

/**
 * Turns parsed JSON back into values: `{"$date": ISO}` into Dates, `$`-escaped keys back. Works in
 * place on what `JSON.parse` (or `encode`) just made, which nobody else holds: an object without a
 * `$` key (nearly all of them) is kept and only its values are replaced, so loading a long history
 * does not copy every object of it.
 */
function decodeValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeValue(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let escaped = false;
  for (const key of keys) if (key.charCodeAt(0) === DOLLAR) escaped = true;
  if (!escaped) {
    for (const key of keys) {
      const item = record[key];
      if (typeof item === 'object' && item !== null) setOwn(record, key, decodeValue(item));
    }
    return record;
  }
  if (keys.length === 1 && keys[0] === DATE_TAG) {
    const iso = record[DATE_TAG];
    const date = typeof iso === 'string' ? new Date(iso) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw new HistorySerializationError(DATE_TAG, iso, 'an ISO-8601 date');
    return date;
  }
  // Keys renamed: a new object, so the key order stays what it was.
  const out: Record<string, unknown> = {};
  for (const key of keys)
    setOwn(out, key.charCodeAt(0) === DOLLAR ? key.slice(1) : key, decodeValue(record[key]));
  return out;
}

function validate(event: unknown): asserts event is HistoryEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new HistorySerializationError('event', event, 'a JSON object');
  }
  const record = event as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !Object.hasOwn(REQUIRED, type)) {
    throw new HistorySerializationError('type', type, `one of ${Object.keys(REQUIRED).join(', ')}`);
  }
  for (const [field, kind] of REQUIRED_ENTRIES.get(type as HistoryEventType) ?? []) {
    if (!hasKind(record[field], kind))
      throw new HistorySerializationError(`${type}.${field}`, record[field], kind);
  }
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'date':
      return value instanceof Date;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
  }
}
