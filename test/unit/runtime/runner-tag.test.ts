/** isOrphaned: which activity fallback reminders were left by a runner that is gone. */
import test from 'ava';
import { isOrphaned } from '../../../src/runtime/activities/runner-tag.js';

const self = { r: 'me', n: 'now' };
const members = new Set(['me', 'peer']);
const data = (r: string, n: string) => ({ i: 'order-1', g: 0, ev: '{}', r, n });

test('a runner among the live members is not gone', (t) => {
  t.false(isOrphaned(data('peer', 'x'), members, self));
  t.false(isOrphaned(data('me', 'now'), members, self), 'this process runs it');
});

test('a runner missing from the members is gone', (t) => {
  t.true(isOrphaned(data('killed', 'x'), members, self));
});

test('this member in an earlier incarnation (restarted under the same id) is gone', (t) => {
  t.true(isOrphaned(data('me', 'before'), members, self));
});

test('reminders without a runner tag keep their time', (t) => {
  t.false(
    isOrphaned({ i: 'order-1', g: 0, ev: '{}' }, members, self),
    'due at once, or from an older version',
  );
  t.false(isOrphaned({ r: 'killed' }, members, self), 'no incarnation');
  t.false(isOrphaned({ r: 7, n: 'x' }, members, self));
  t.false(isOrphaned(undefined, members, self));
  t.false(isOrphaned(['killed', 'x'], members, self));
  t.false(isOrphaned('killed', members, self));
});
