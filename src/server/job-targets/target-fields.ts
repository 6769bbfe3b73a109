import { JobValidationError } from '../../timers/errors.js';

/**
 * The fields of `target.{kind}`: an object with only `allowed` keys and every `required` one
 * (null counts as absent, as everywhere in the Jobs API body). Throws JobValidationError naming
 * the field.
 */
export function targetFields(
  prefix: string,
  value: unknown,
  allowed: readonly string[],
  required: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JobValidationError(prefix, value, `an object with ${allowed.join(', ')}`);
  }
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new JobValidationError(`${prefix}.${key}`, body[key], `only the fields ${allowed.join(', ')}`);
    }
  }
  for (const key of required) {
    if (body[key] === undefined || body[key] === null) {
      throw new JobValidationError(`${prefix}.${key}`, body[key], 'required');
    }
  }
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
}

/** A string of 1-`max` characters, else JobValidationError naming `field`. */
export function targetString(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new JobValidationError(field, value, `a string of 1-${max} characters`);
  }
  return value;
}
