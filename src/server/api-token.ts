import { createHash, timingSafeEqual } from 'node:crypto';

/** The header Dapr clients send their API token in (`daprApiToken`, `DAPR_API_TOKEN`). */
export const API_TOKEN_HEADER = 'dapr-api-token';

export type TokenCheck = 'ok' | 'missing' | 'invalid';

/**
 * Whether a request's headers carry `token`. Accepted: exactly one `dapr-api-token` header (as
 * Dapr's clients send it), or exactly one `Authorization: Bearer <token>` (for scrapers such as
 * Prometheus that cannot set other headers), never both with different values. A header sent
 * twice arrives as an array or as "a, b" and matches nothing. Header names are case-insensitive in
 * HTTP and Node lowercases them; the token itself is compared exactly, in constant time (digests
 * of equal length, so neither its content nor its length leaks through timing).
 */
export function checkApiToken(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  token: string,
): TokenCheck {
  const given: string[] = [];
  const direct = headers[API_TOKEN_HEADER];
  if (direct !== undefined) given.push(...[direct].flat());
  const authorization = headers['authorization'];
  if (authorization !== undefined) {
    for (const value of [authorization].flat()) {
      if (value === '') continue;
      const bearer = /^Bearer (.*)$/.exec(value);
      // An Authorization header of another scheme is not a token for us, but it is not ignored
      // either: an ambiguous request is refused.
      if (bearer) given.push(bearer[1] ?? '');
      else return 'invalid';
    }
  }
  if (given.length === 0 || given.every((value) => value === '')) return 'missing';
  return given.every((value) => sameSecret(value, token)) ? 'ok' : 'invalid';
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
