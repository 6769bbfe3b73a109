import { JobValidationError } from '../errors.js';

export const MAX_JOB_NAME_LENGTH = 256;

export const JOB_NAME_ALLOWED =
  `a case-sensitive string of 1-${MAX_JOB_NAME_LENGTH} characters without / \\ # ? or control ` +
  'characters, other than "." and ".."';

/**
 * `/` would break the etcd key layout and `\ # ?` the HTTP route; control characters and lone
 * UTF-16 surrogates do not survive the UTF-8 round trip through etcd, so two different
 * names could land on one key.
 */
const FORBIDDEN = /[/\\#?]|\p{Cc}|\p{Cs}/u;

/** Returns the name unchanged when it is valid; throws JobValidationError (field `name`). */
export function validateJobName(name: unknown): string {
  if (typeof name !== 'string') {
    throw new JobValidationError(
      'name',
      name,
      JOB_NAME_ALLOWED,
      `job name must be a string, got ${typeof name}`,
    );
  }
  // Length counts code points, so an emoji is one character as a user would expect.
  const length = [...name].length;
  if (length === 0) {
    throw new JobValidationError(
      'name',
      name,
      JOB_NAME_ALLOWED,
      `job name is empty; allowed: ${JOB_NAME_ALLOWED}`,
    );
  }
  if (length > MAX_JOB_NAME_LENGTH) {
    throw new JobValidationError(
      'name',
      name,
      JOB_NAME_ALLOWED,
      `job name is ${length} characters long; at most ${MAX_JOB_NAME_LENGTH} are allowed`,
    );
  }
  if (name === '.' || name === '..') {
    throw new JobValidationError(
      'name',
      name,
      JOB_NAME_ALLOWED,
      `job name may not be ${JSON.stringify(name)}`,
    );
  }
  const bad = FORBIDDEN.exec(name);
  if (bad) {
    const shown = JSON.stringify(bad[0]);
    throw new JobValidationError(
      'name',
      name,
      JOB_NAME_ALLOWED,
      `job name ${JSON.stringify(name)} contains the forbidden character ${shown} at index ${bad.index}; allowed: ${JOB_NAME_ALLOWED}`,
    );
  }
  return name;
}
