import { JobValidationError } from '../errors.js';
import type { JsonValue } from './job.js';

export const JSON_DATA_ALLOWED =
  'a JSON value: null, a boolean, a finite number, a string, an array or a plain object of JSON values';

/** Deep enough for any sensible payload, shallow enough that checking cannot overflow the stack. */
const MAX_DEPTH = 128;

/**
 * Checks that `value` survives a JSON round trip unchanged and returns a plain copy, so a
 * caller mutating its object afterwards cannot change what is stored. Values JSON.stringify
 * would silently drop or rewrite (undefined, NaN, Dates, Maps, class instances) are rejected
 * rather than stored as something other than what was sent.
 */
export function toJsonData(value: unknown, field: string): JsonValue {
  return copy(value, field, new Set(), 0);
}

function copy(value: unknown, path: string, ancestors: Set<object>, depth: number): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw reject(path, value, `${path} is ${String(value)}, which JSON cannot represent`);
  }
  if (typeof value !== 'object') {
    throw reject(path, value, `${path} is a ${typeof value}, which JSON cannot represent`);
  }
  if (depth >= MAX_DEPTH) throw reject(path, value, `${path} is nested more than ${MAX_DEPTH} levels deep`);
  if (ancestors.has(value)) throw reject(path, value, `${path} refers back to itself (a cycle)`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const out: JsonValue[] = [];
      for (let i = 0; i < value.length; i++) {
        out.push(copy(value[i] as unknown, `${path}[${i}]`, ancestors, depth + 1));
      }
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw reject(path, value, `${path} is a ${kind}, not a plain object`);
    }
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, not assignment: a "__proto__" key from JSON.parse must stay a key.
      Object.defineProperty(out, key, {
        value: copy(item, `${path}.${key}`, ancestors, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

function reject(path: string, value: unknown, message: string): JobValidationError {
  return new JobValidationError(path, value, JSON_DATA_ALLOWED, `${message}; allowed: ${JSON_DATA_ALLOWED}`);
}
