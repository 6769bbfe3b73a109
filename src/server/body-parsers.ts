import type { FastifyInstance } from 'fastify';
import { ApiError, ErrorCode } from './api-error.js';

/**
 * Request bodies. JSON bodies must parse (else 400 ERR_MALFORMED_REQUEST); an empty body is "no
 * body" whatever the content type. Other content types are read as text: text that parses as JSON
 * is that value, anything else is the string itself. This is what Dapr clients need: the JS SDK
 * sends strings, numbers and booleans as `text/plain` (`42`, `true`, `hello`), and `curl -d` sends
 * JSON as `application/x-www-form-urlencoded`.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  // Matched against the whole header, parameters included (`application/json; charset=utf-8`).
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json\s*(;|$)/i,
    { parseAs: 'string' },
    (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, parseJson(text));
      } catch (error) {
        done(malformed(error), undefined);
      }
    },
  );
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text === '') return done(null, undefined);
    try {
      done(null, parseJson(text));
    } catch {
      done(null, text);
    }
  });
}

/** JSON.parse that refuses `__proto__` keys, so no parsed body can ever reach an object's prototype. */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__') throw new SyntaxError('the key "__proto__" is not allowed');
    return value;
  });
}

function malformed(error: unknown): ApiError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ApiError(400, ErrorCode.malformedRequest, `request body is not valid JSON: ${reason}`);
}
