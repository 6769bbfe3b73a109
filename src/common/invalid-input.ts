/**
 * The shape every bad-input error of tickflow shares, whichever module throws it (jobs, workflow
 * client, workflow context, store requests, the test environment): the field, the value received
 * and what is allowed, so callers and the HTTP layer can report all of them the same way.
 */
export interface InvalidInput {
  /** The option, argument or field that was refused, e.g. `pageSize`. */
  readonly field: string;
  /** The value received (sizes are given as text, e.g. `"300000 bytes"`). */
  readonly value: unknown;
  /** What would have been accepted, in words. */
  readonly allowed: string;
}

/** The message all of them use: `invalid <field>: <value>; allowed: <allowed>`. */
export function invalidInputMessage(field: string, value: unknown, allowed: string): string {
  return `invalid ${field}: ${describeValue(value)}; allowed: ${allowed}`;
}

const MAX_CHARS = 80;

/**
 * A short, safe rendering of a value for an error message: JSON where it reads well, the class name
 * for class instances (their JSON is rarely what the caller passed), never longer than 80 chars
 * (a multi-megabyte payload must not end up in a log line), and never throwing (cycles, BigInt).
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null && value.constructor !== Object && !Array.isArray(value)) {
    return `a ${value.constructor?.name ?? 'null-prototype'} object`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 3)}...` : text;
}
