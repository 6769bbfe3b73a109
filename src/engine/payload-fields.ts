import { normalizePayload } from '../history/serialize.js';

/** `{ [key]: value }` when value is defined, else `{}`: keeps undefined fields out of stored data. */
export function defined<K extends string>(key: K, value: unknown): { [P in K]?: unknown } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: unknown });
}

/**
 * Like `defined`, for a value the workflow hands over: stored as it will read back from history,
 * so this run and every replay see the same value, and later mutation by the code changes nothing.
 */
export function payload<K extends string>(key: K, value: unknown): { [P in K]?: unknown } {
  return defined(key, normalizePayload(value));
}

/** Attempt numbers are recorded only for retries, so first attempts look like plain calls. */
export function attemptField(attempt: number): { attempt?: number } {
  return attempt > 1 ? { attempt } : {};
}
