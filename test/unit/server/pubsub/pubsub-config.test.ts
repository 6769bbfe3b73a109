// The --pubsub and --app flags, and the job targets' bodies, are checked before anything starts
// or is stored, with errors that name the field, the value and what is allowed.
import test from 'ava';
import { parseRegisteredApps, RegisteredAppError } from '../../../../src/server/invoke/registered-apps.js';
import { invokeJobTarget } from '../../../../src/server/job-targets/invoke-job-target.js';
import { publishJobTarget } from '../../../../src/server/job-targets/publish-job-target.js';
import { parsePubSubComponents, REDIS_DEFAULTS } from '../../../../src/server/pubsub/pubsub-components.js';
import { PubSubConfigError } from '../../../../src/server/pubsub/pubsub-errors.js';
import { cloudEvent, parseCloudEvent } from '../../../../src/server/pubsub/cloud-event.js';
import { JobValidationError } from '../../../../src/timers/errors.js';

test('--pubsub takes name=redis://... with tickflow options in the query', (t) => {
  const [spec] = parsePubSubComponents([
    'events=redis://127.0.0.1:6379/2?redeliverInterval=250ms&readCount=5',
  ]);
  t.deepEqual(spec, {
    name: 'events',
    url: 'redis://127.0.0.1:6379/2',
    maxLenApprox: REDIS_DEFAULTS.maxLenApprox,
    redeliverIntervalMs: 250,
    readCount: 5,
  });
});

test('--pubsub refuses what it cannot use, naming it', (t) => {
  for (const bad of [
    'redis://127.0.0.1:6379',
    'events=http://127.0.0.1:6379',
    'bad name=redis://h:1',
    'e=redis://h:1?readCount=0',
    'e=redis://h:1?redeliverInterval=1ms',
    'e=redis://h:1?unknown=1',
  ]) {
    const error = t.throws(() => parsePubSubComponents([bad]), { instanceOf: PubSubConfigError }, bad);
    t.regex(error.field, /^--pubsub/);
  }
  t.throws(() => parsePubSubComponents(['a=redis://h:1', 'a=redis://h:2']), { message: /given twice/ });
});

test('--app takes app-id=url, each id once, on a port fetch can reach', (t) => {
  t.deepEqual(parseRegisteredApps(['billing=http://127.0.0.1:3001/']), [
    { appId: 'billing', url: 'http://127.0.0.1:3001' },
  ]);
  for (const bad of ['billing', 'billing=ftp://h', '=http://h:1', 'b=http://127.0.0.1:6000']) {
    t.throws(() => parseRegisteredApps([bad]), { instanceOf: RegisteredAppError }, bad);
  }
  t.throws(() => parseRegisteredApps(['a=http://h:3001', 'a=http://h:3002']), { message: /given twice/ });
});

test('target.publish and target.invoke are checked field by field', (t) => {
  t.deepEqual(publishJobTarget({ pubsubName: 'events', topic: 'orders', data: { a: 1 } }), {
    pubsubName: 'events',
    topic: 'orders',
    data: { a: 1 },
  });
  t.deepEqual(invokeJobTarget({ appId: 'b', method: '/x/y', httpVerb: 'put' }), {
    appId: 'b',
    method: 'x/y',
    httpVerb: 'PUT',
  });
  const field = (fn: () => unknown): string | undefined =>
    t.throws(fn, { instanceOf: JobValidationError })?.field;
  t.is(
    field(() => publishJobTarget({ pubsubName: 'events' })),
    'target.publish.topic',
  );
  t.is(
    field(() => publishJobTarget({ pubsubName: 'e', topic: 't', extra: 1 })),
    'target.publish.extra',
  );
  t.is(
    field(() => publishJobTarget({ pubsubName: 'e', topic: 't', metadata: { k: 1 } })),
    'target.publish.metadata.k',
  );
  t.is(
    field(() => invokeJobTarget({ appId: 'b', method: 'a/../b' })),
    'target.invoke.method',
  );
  t.is(
    field(() => invokeJobTarget({ appId: 'b', method: 'a?x=1' })),
    'target.invoke.method',
  );
  t.is(
    field(() => invokeJobTarget({ appId: 'b', method: 'm', httpVerb: 'TRACE' })),
    'target.invoke.httpVerb',
  );
  t.is(
    field(() => invokeJobTarget('b')),
    'target.invoke',
  );
});

test('an envelope has the fields Dapr fills and reads back', (t) => {
  const e = cloudEvent({ pubsubName: 'p', topic: 't', source: 'app', data: { x: 1 }, id: 'fixed' });
  t.like(e, {
    id: 'fixed',
    source: 'app',
    type: 'com.dapr.event.sent',
    specversion: '1.0',
    datacontenttype: 'application/json',
    data: { x: 1 },
    topic: 't',
    pubsubname: 'p',
    tracestate: '',
  });
  t.regex(e.traceid, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.deepEqual(parseCloudEvent(JSON.stringify(e)), e);
  t.is(parseCloudEvent('{"not":"an envelope"}'), undefined);
  t.is(parseCloudEvent('nope'), undefined);
});
