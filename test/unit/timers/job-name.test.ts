import test from 'ava';
import { JobValidationError } from '../../../src/timers/errors.js';
import { validateJobName } from '../../../src/timers/schedule/job-name.js';

const good = [
  'a',
  'order-42',
  'Order-42',
  'with space',
  'dots.in.name',
  '...',
  '.hidden',
  'ünïcødé',
  '🙂',
  'x'.repeat(256),
];

for (const name of good) {
  test(`accepts ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}…(${name.length})` : name)}`, (t) => {
    t.is(validateJobName(name), name);
  });
}

test('length counts characters, not UTF-16 units: 256 emoji are allowed', (t) => {
  const name = '🙂'.repeat(256);
  t.is(name.length, 512);
  t.is(validateJobName(name), name);
});

test('names are case-sensitive: validation does not fold case', (t) => {
  t.is(validateJobName('Job'), 'Job');
  t.not(validateJobName('Job'), validateJobName('job'));
});

const bad: [unknown, RegExp][] = [
  ['', /empty/],
  ['x'.repeat(257), /257 characters/],
  ['🙂'.repeat(257), /257 characters/],
  ['.', /may not be "\."/],
  ['..', /may not be "\.\."/],
  ['a/b', /forbidden character "\/" at index 1/],
  ['a\\b', /forbidden character/],
  ['a#b', /forbidden character "#"/],
  ['a?b', /forbidden character "\?"/],
  ['a\nb', /forbidden character/],
  ['a\u0000b', /forbidden character/],
  ['tab\there', /forbidden character/],
  ['del\u007f', /forbidden character/],
  ['c1\u0085', /forbidden character/],
  ['lone\ud800surrogate', /forbidden character/],
  [42, /must be a string, got number/],
  [undefined, /must be a string, got undefined/],
  [null, /must be a string/],
];

for (const [name, message] of bad) {
  test(`rejects ${JSON.stringify(typeof name === 'string' && name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name) ?? 'undefined'}`, (t) => {
    const error = t.throws(() => validateJobName(name), { instanceOf: JobValidationError });
    t.is(error?.field, 'name');
    t.is(error?.value, name);
    t.regex(error?.allowed ?? '', /1-256 characters/);
    t.regex(error?.message ?? '', message);
  });
}
