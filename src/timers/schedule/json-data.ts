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
  return copy(value, { field, trail: [], ancestors: new Set() });
}

/**
 * Where the walk is. The path of a value is built only when it is rejected: most data is valid,
 * and building `field.a.b[3]` for every value was most of the cost of checking a job's data.
 */
interface Walk {
  field: string;
  trail: Array<string | number>;
  ancestors: Set<object>;
}

function pathOf(walk: Walk): string {
  let path = walk.field;
  for (const step of walk.trail) path += typeof step === 'number' ? `[${step}]` : `.${step}`;
  return path;
}

function copy(value: unknown, walk: Walk): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw reject(walk, value, `is ${String(value)}, which JSON cannot represent`);
  }
  if (typeof value !== 'object') {
    throw reject(walk, value, `is a ${typeof value}, which JSON cannot represent`);
  }
  if (walk.trail.length >= MAX_DEPTH)
    throw reject(walk, value, `is nested more than ${MAX_DEPTH} levels deep`);
  if (walk.ancestors.has(value)) throw reject(walk, value, 'refers back to itself (a cycle)');
  walk.ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const out: JsonValue[] = [];
      for (let i = 0; i < value.length; i++) {
        walk.trail.push(i);
        out.push(copy(value[i] as unknown, walk));
        walk.trail.pop();
      }
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw reject(walk, value, `is a ${kind}, not a plain object`);
    }
    const out: { [key: string]: JsonValue } = {};
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      walk.trail.push(key);
      const item = copy((value as Record<string, unknown>)[key], walk);
      walk.trail.pop();
      // A "__proto__" key from JSON.parse must stay a key: assigning it would set the prototype.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = item;
      }
    }
    return out;
  } finally {
    walk.ancestors.delete(value);
  }
}

function reject(walk: Walk, value: unknown, problem: string): JobValidationError {
  const path = pathOf(walk);
  return new JobValidationError(
    path,
    value,
    JSON_DATA_ALLOWED,
    `${path} ${problem}; allowed: ${JSON_DATA_ALLOWED}`,
  );
}
