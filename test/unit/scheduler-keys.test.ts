import test from 'ava';
import fc from 'fast-check';
import { JobValidationError } from '../../src/timers/errors.js';
import { validateJobName } from '../../src/timers/schedule/job-name.js';
import { decodeJobData, encodeJobData } from '../../src/scheduler/scheduler-job-data.js';
import {
  namespacePrefixes,
  ownerPrefix,
  storedJobName,
  triggerTarget,
  userJobName,
  type SchedulerOwner,
} from '../../src/scheduler/scheduler-keys.js';

const job = (namespace: string, appId: string): SchedulerOwner => ({
  namespace,
  appId,
  target: { kind: 'job' },
});
const actor = (namespace: string, type: string, id: string, appId = 'app'): SchedulerOwner => ({
  namespace,
  appId,
  target: { kind: 'actor', type, id },
});

test('stored names are keyed as Dapr keys them: app jobs by app, reminders by actor type and id', (t) => {
  t.is(storedJobName(job('prod', 'orders'), 'backup'), 'app~prod~orders~backup');
  t.is(storedJobName(actor('prod', 'Cart', 'c-1', 'orders'), 'expire'), 'actor~prod~Cart~c-1~expire');
  // The app that scheduled a reminder is not part of its name: any app hosting the type gets it.
  t.is(storedJobName(actor('prod', 'Cart', 'c-1', 'shop'), 'expire'), 'actor~prod~Cart~c-1~expire');
  t.is(storedJobName(job('ns', 'a~b'), 'x/y%'), 'app~ns~a%7Eb~x%2Fy%25');
  t.is(userJobName('app~ns~a%7Eb~x%2Fy%25'), 'x/y%');
  t.is(userJobName('other'), undefined);
});

test('prefixes: an owner, an actor type, id prefixes and a namespace', (t) => {
  t.is(ownerPrefix(job('ns', 'app'), false), 'app~ns~app~');
  t.is(ownerPrefix(actor('ns', 'T', ''), false), 'actor~ns~T~');
  t.is(ownerPrefix(actor('ns', 'T', 'a-'), false), 'actor~ns~T~a-~');
  t.is(ownerPrefix(actor('ns', 'T', 'a-'), true), 'actor~ns~T~a-');
  t.deepEqual(namespacePrefixes('ns'), ['app~ns~', 'actor~ns~']);
  // One namespace's prefix is not another's ("ns" vs "ns2").
  t.false(storedJobName(job('ns2', 'app'), 'j').startsWith(namespacePrefixes('ns')[0] ?? ''));
});

test('escaped parts keep prefixes: p is a prefix of s exactly when escape(p) is one of escape(s)', (t) => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme-composite' }),
      fc.string({ unit: 'grapheme-composite' }),
      (p, s) => {
        const a = ownerPrefix(actor('ns', 'T', p), true);
        const b = ownerPrefix(actor('ns', 'T', s), true);
        return b.startsWith(a) === s.startsWith(p);
      },
    ),
  );
  t.pass();
});

test('every stored name is a valid timer-service job name and maps back to its name', (t) => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.string({ minLength: 1, maxLength: 40 }),
      (id, name) => {
        let stored: string;
        try {
          stored = storedJobName(actor('ns', 'T', id), name);
        } catch (error) {
          return error instanceof JobValidationError; // lone surrogates
        }
        validateJobName(stored);
        return userJobName(stored) === name;
      },
    ),
  );
  t.pass();
});

test('missing parts and over-long names name the field', (t) => {
  t.like(
    t.throws(() => storedJobName(job('', 'a'), 'j')),
    { field: 'metadata.namespace' },
  );
  t.like(
    t.throws(() => storedJobName(job('ns', ''), 'j')),
    { field: 'metadata.app_id' },
  );
  t.like(
    t.throws(() => storedJobName(actor('ns', '', 'i'), 'j')),
    { field: 'metadata.target.actor.type' },
  );
  t.like(
    t.throws(() => storedJobName(job('ns', 'a'), '')),
    { field: 'name' },
  );
  t.like(
    t.throws(() => storedJobName(job('ns', 'a'), 'x'.repeat(250))),
    { field: 'name' },
  );
});

test('triggers of an app and of an actor type go to their own targets', (t) => {
  t.is(triggerTarget(job('ns', 'orders')), 'dapr-app~ns~orders');
  t.is(triggerTarget(actor('ns', 'Cart', 'c-1', 'orders')), 'dapr-actor~ns~Cart');
});

test('job data keeps the owner and the Any byte for byte', (t) => {
  const owner = actor('ns', 'Cart', 'c-1', 'orders');
  const packed = { typeUrl: 'type.googleapis.com/x.Y', value: new Uint8Array([0, 255, 10, 13]) };
  const decoded = decodeJobData(encodeJobData(owner, packed));
  t.deepEqual(decoded?.owner, owner);
  t.is(decoded?.packed?.typeUrl, packed.typeUrl);
  t.deepEqual([...(decoded?.packed?.value ?? [])], [0, 255, 10, 13]);
  t.is(decodeJobData(encodeJobData(job('ns', 'a'), undefined))?.packed, undefined);
  t.is(decodeJobData({ something: 'else' }), undefined);
});
