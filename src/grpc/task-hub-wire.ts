import { WorkflowValidationError } from '../runtime/workflow-errors.js';
import type { StringValue, Timestamp } from './task-hub-messages.js';

/** A time as a `google.protobuf.Timestamp`. */
export function toTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/**
 * A `google.protobuf.Timestamp` as a time; undefined when absent or at the epoch. The epoch counts
 * as absent because the official JS client sends it for "no start time", and proto3 cannot tell
 * a zero timestamp from an unset scalar in other SDKs' hand-built messages either.
 */
export function fromTimestamp(timestamp: Timestamp | undefined): Date | undefined {
  if (!timestamp) return undefined;
  // Seconds of any representable time fit a double exactly; a larger value gives an Invalid Date.
  const ms = Number(timestamp.seconds ?? 0) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000);
  return ms === 0 ? undefined : new Date(ms);
}

/**
 * A payload (input, event data, output) sent as JSON text in a StringValue, as a value: tickflow
 * stores JSON values, and serves them back as the same text. Absent or empty means none (the
 * official client sends an empty StringValue for `undefined`). Throws `WorkflowValidationError`
 * naming `field` when the text is not JSON.
 */
export function parsePayload(field: string, payload: StringValue | undefined): unknown {
  if (payload?.value === undefined || payload.value === '') return undefined;
  try {
    return JSON.parse(payload.value) as unknown;
  } catch {
    throw new WorkflowValidationError(
      field,
      payload.value,
      'JSON text (the SDKs serialise payloads as JSON)',
    );
  }
}

/** A plain string from a StringValue; absent or empty means none. */
export function optionalString(value: StringValue | undefined): string | undefined {
  return value?.value === '' ? undefined : value?.value;
}

/** Text as a StringValue, or nothing when there is none. */
export function toStringValue(text: string | undefined): StringValue | undefined {
  return text === undefined ? undefined : { value: text };
}
