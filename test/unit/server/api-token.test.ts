/**
 * The API token check, alone: exact matches pass; missing, empty, wrong, repeated or conflicting
 * tokens never do, whatever the header variant.
 */
import test from 'ava';
import fc from 'fast-check';
import { checkApiToken } from '../../../src/server/api-token.js';

const TOKEN = 'secret-token-0123456789';

test('the token in dapr-api-token or as a Bearer passes', (t) => {
  t.is(checkApiToken({ 'dapr-api-token': TOKEN }, TOKEN), 'ok');
  t.is(checkApiToken({ authorization: `Bearer ${TOKEN}` }, TOKEN), 'ok');
  t.is(checkApiToken({ 'dapr-api-token': TOKEN, authorization: `Bearer ${TOKEN}` }, TOKEN), 'ok');
});

test('missing or empty is missing; anything else is invalid', (t) => {
  t.is(checkApiToken({}, TOKEN), 'missing');
  t.is(checkApiToken({ 'dapr-api-token': '' }, TOKEN), 'missing');
  t.is(checkApiToken({ 'dapr-api-token': TOKEN.toUpperCase() }, TOKEN), 'invalid');
  t.is(checkApiToken({ 'dapr-api-token': `${TOKEN} ` }, TOKEN), 'invalid');
  t.is(checkApiToken({ 'dapr-api-token': `${TOKEN}, ${TOKEN}` }, TOKEN), 'invalid', 'a header sent twice');
  t.is(checkApiToken({ 'dapr-api-token': [TOKEN, 'other'] }, TOKEN), 'invalid');
  t.is(checkApiToken({ 'dapr-api-token': TOKEN, authorization: 'Bearer other' }, TOKEN), 'invalid');
  t.is(checkApiToken({ authorization: `Basic ${TOKEN}` }, TOKEN), 'invalid');
  t.is(checkApiToken({ authorization: `bearer ${TOKEN}` }, TOKEN), 'invalid');
  t.is(checkApiToken({ authorization: TOKEN }, TOKEN), 'invalid', 'no scheme');
});

test('property: random header sets pass only when every token given is exactly the token', (t) => {
  const value = fc.oneof(
    fc.constant(TOKEN),
    fc.constant(''),
    fc.constant(TOKEN.slice(1)),
    fc.constant(`${TOKEN}x`),
    fc.constant(` ${TOKEN}`),
    fc.constant(TOKEN.toUpperCase()),
    fc.string({ maxLength: 40 }),
  );
  const headerValue = fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 }));
  fc.assert(
    fc.property(
      fc.option(headerValue, { nil: undefined }),
      fc.option(fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'Basic ', ''), value), { nil: undefined }),
      (direct, auth) => {
        const headers: Record<string, string | string[] | undefined> = {};
        if (direct !== undefined) headers['dapr-api-token'] = direct;
        if (auth !== undefined) headers['authorization'] = `${auth[0]}${auth[1]}`;
        const authText = auth === undefined ? undefined : `${auth[0]}${auth[1]}`;
        // Another scheme than Bearer is refused outright; an empty Authorization is absent.
        const otherScheme = authText !== undefined && authText !== '' && auth?.[0] !== 'Bearer ';
        const given = [
          ...(direct === undefined ? [] : [direct].flat()),
          ...(auth !== undefined && auth[0] === 'Bearer ' ? [auth[1]] : []),
        ];
        const expected = otherScheme
          ? 'invalid'
          : given.length === 0 || given.every((g) => g === '')
            ? 'missing'
            : given.every((g) => g === TOKEN)
              ? 'ok'
              : 'invalid';
        return checkApiToken(headers, TOKEN) === expected;
      },
    ),
    { numRuns: 2_000 },
  );
  t.pass();
});
