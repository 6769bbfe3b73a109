import type { InvalidInput } from '../common/invalid-input.js';
import { WorkflowError } from './errors.js';

/**
 * The size limit of every workflow payload (workflow input and output, event data, custom status,
 * activity and child-workflow inputs and outputs, continue-as-new input), checked where the
 * payload enters, before anything is stored.
 *
 * Why 256 KiB: a payload is stored more than once in one etcd transaction (in the instance record,
 * in a history chunk, in the reminder-job that carries an activity's input), and that transaction
 * must stay under etcd's request limit (1.5 MiB by default). Larger data belongs elsewhere (a blob
 * store, a database); pass its key.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * The largest `maxPayloadBytes` accepted: one payload must fit one etcd request with room for the
 * rest of its step (record, history, reminders).
 */
export const MAX_PAYLOAD_BYTES_CEILING = 1024 * 1024;

/** A payload over `maxPayloadBytes`; nothing was stored. The HTTP API answers 413. */
export class PayloadTooLargeError extends WorkflowError implements InvalidInput {
  override name = 'PayloadTooLargeError';
  declare readonly field: string;
  /** `"<n> bytes"`, as `InvalidInput` errors describe the value received. */
  declare readonly value: string;
  declare readonly allowed: string;
  /** The payload's size, in bytes of JSON. */
  readonly bytes: number;
  /** The `maxPayloadBytes` it is over. */
  readonly limit: number;
  /** Retry policies stop at once: the same payload fails the same way every time. */
  readonly nonRetryable = true;

  constructor(field: string, bytes: number, limit: number) {
    super(
      `${field} is ${bytes} bytes of JSON, over the limit of ${limit} bytes (maxPayloadBytes); ` +
        'store large data elsewhere (a blob store, a database) and pass a reference',
      { invalid: { field, value: `${bytes} bytes`, allowed: `at most ${limit} bytes of JSON` } },
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * The size of a payload as stored: its JSON text in UTF-8 bytes (0 for undefined, which is not
 * stored). A value JSON cannot encode (a cycle, a BigInt) is reported by the store's own encoding,
 * not here, so this never throws for it: it counts as 0.
 */
export function payloadBytes(value: unknown): number {
  if (value === undefined) return 0;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return 0;
  }
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

/** Throws PayloadTooLargeError when `value` is over `limit` bytes of JSON. */
export function checkPayload(field: string, value: unknown, limit: number): void {
  const bytes = payloadBytes(value);
  if (bytes > limit) throw new PayloadTooLargeError(field, bytes, limit);
}

/** The `maxPayloadBytes` option, checked: an integer from 1 to {@link MAX_PAYLOAD_BYTES_CEILING}. */
export function resolveMaxPayloadBytes(option: unknown, invalid: (allowed: string) => Error): number {
  if (option === undefined) return DEFAULT_MAX_PAYLOAD_BYTES;
  if (
    typeof option !== 'number' ||
    !Number.isSafeInteger(option) ||
    option < 1 ||
    option > MAX_PAYLOAD_BYTES_CEILING
  ) {
    throw invalid(`an integer from 1 to ${MAX_PAYLOAD_BYTES_CEILING} (bytes)`);
  }
  return option;
}
