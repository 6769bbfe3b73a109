/**
 * WarningCounter: every warning a service reports is counted, although the coalescer in front of
 * the log holds repeats back and reports them as one RepeatedWarning with a count.
 */
import test from 'ava';
import { CoalescedWarnings } from '../../../src/common/coalesced-warnings.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { Counter } from '../../../src/server/prometheus.js';
import { WarningCounter } from '../../../src/server/warning-counter.js';

class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

function world() {
  const clock = new FakeClock();
  const counter = new Counter('tickflow_warnings_total', 'test');
  const counted = new WarningCounter(counter);
  const logged: Error[] = [];
  const warnings = new CoalescedWarnings({
    clock,
    emit: (error) => {
      logged.push(error);
      counted.record('timers', error);
    },
  });
  return { clock, counter, warnings, logged };
}

test('100 repeats of one failure: one log line at once, then a count; all 100 counted', (t) => {
  const { clock, counter, warnings, logged } = world();
  const kind = { component: 'timers', kind: 'StoreUnavailableError' };
  for (let i = 0; i < 100; i++) {
    warnings.report(new StoreUnavailableError(`etcd did not answer after ${i} ms`));
    clock.advance(10);
  }
  t.is(logged.length, 1, 'the first is logged at once, the rest held back');
  t.is(counter.get(kind), 1);
  clock.advance(5_000);
  t.is(logged.length, 2, 'then one line with the count');
  t.is(counter.get(kind), 100, 'every warning counted');
});

test('a fault that goes on keeps the counter climbing, one log line per interval', (t) => {
  const { clock, counter, warnings, logged } = world();
  const kind = { component: 'timers', kind: 'StoreUnavailableError' };
  for (let second = 0; second < 30; second++) {
    warnings.report(new StoreUnavailableError('etcd did not answer'));
    clock.advance(1_000);
  }
  warnings.flush();
  t.is(counter.get(kind), 30);
  t.true(logged.length <= 7, `${logged.length} log lines for 30 warnings`);
});

test('kinds are error class names, and their number is bounded', (t) => {
  const counter = new Counter('tickflow_warnings_total', 'test');
  const counted = new WarningCounter(counter);
  counted.record('workflows', new TypeError('x'));
  const odd = new Error('y');
  odd.name = 'not a "name"\n';
  counted.record('workflows', odd);
  t.is(counter.get({ component: 'workflows', kind: 'TypeError' }), 1);
  t.is(counter.get({ component: 'workflows', kind: 'Error' }), 1, 'an unusable name counts as Error');
  for (let i = 0; i < 80; i++) {
    const e = new Error('z');
    e.name = `Kind${i}Error`;
    counted.record('timers', e);
  }
  t.is(counter.get({ component: 'timers', kind: 'other' }), 80 - 48, 'past 50 kinds: other');
});
