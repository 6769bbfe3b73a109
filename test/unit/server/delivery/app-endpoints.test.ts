import test from 'ava';
import { MAX_APP_INSTANCES, parseAppEndpoints } from '../../../../src/server/delivery/app-endpoints.js';

test('http: URLs, repeated or comma-separated, without trailing slashes', (t) => {
  t.deepEqual(
    parseAppEndpoints(['http://127.0.0.1:3000/', 'https://a.example:8443, http://[::1]:3001'], 'http'),
    ['http://127.0.0.1:3000', 'https://a.example:8443', 'http://[::1]:3001'],
  );
});

test('grpc: host:port', (t) => {
  t.deepEqual(parseAppEndpoints(['127.0.0.1:50051,app:50052', '[::1]:50053'], 'grpc'), [
    '127.0.0.1:50051',
    'app:50052',
    '[::1]:50053',
  ]);
});

test('bad input names the field, the value and what is allowed', (t) => {
  const cases: Array<[string[], string, string, unknown, RegExp]> = [
    [['ftp://x'], 'http', '--app-url', 'ftp://x', /http:\/\/ or https:\/\//],
    [['127.0.0.1:3000'], 'http', '--app-url', '127.0.0.1:3000', /http:\/\//],
    [['http://127.0.0.1:3000'], 'grpc', '--app-url', 'http://127.0.0.1:3000', /host:port/],
    [['127.0.0.1:70000'], 'grpc', '--app-url', '127.0.0.1:70000', /host:port/],
    [['http://a:1,http://a:1'], 'http', '--app-url', 'http://a:1', /once/],
    [['http://a:1,'], 'http', '--app-url', '', /http:\/\//],
    [['http://a:1'], 'websocket', '--app-protocol', 'websocket', /http, grpc, grpcs/],
    [
      [Array.from({ length: MAX_APP_INSTANCES + 1 }, (_, i) => `http://a:${i + 1}`).join(',')],
      'http',
      '--app-url',
      `${MAX_APP_INSTANCES + 1} instances`,
      /at most 64/,
    ],
  ];
  for (const [values, protocol, field, value, allowed] of cases) {
    const error = t.throws(() => parseAppEndpoints(values, protocol), undefined, values.join(' '));
    t.like(error, { name: 'AppEndpointError', field, value });
    t.regex((error as unknown as { allowed: string }).allowed, allowed);
    t.regex(error?.message ?? '', new RegExp(`^invalid ${field}: `));
  }
});
