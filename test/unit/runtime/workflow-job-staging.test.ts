// A workflow job tick that cannot reach the store is staged, not failed: no retry of its failure
// policy is spent on an outage, and its target's staged ticks are offered again with backoff.
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import type { ClientCore } from '../../../src/runtime/client-core.js';
import type { ReminderResult, ReminderTrigger } from '../../../src/runtime/reminders/reminder-port.js';
import { attachWorkflowJobHandlers } from '../../../src/runtime/job-targets/workflow-job-handlers.js';
import { JobTargetTriggerError } from '../../../src/index.js';

type Handler = (trigger: ReminderTrigger) => Promise<ReminderResult>;

function setUp(client: Partial<ClientCore>) {
  const clock = new FakeClock();
  const handlers = new Map<string, Handler>();
  const warnings: Error[] = [];
  const reoffered: Array<{ target: string; at: number }> = [];
  const attached = attachWorkflowJobHandlers(
    { onTrigger: (target, handler) => (handlers.set(target, handler), () => handlers.delete(target)) },
    {
      client: client as ClientCore,
      clock,
      emitWarning: (error) => warnings.push(error),
      retryStaged: (target) => reoffered.push({ target, at: clock.now() }),
    },
  );
  const tick = (target: string, data: unknown): Promise<ReminderResult> =>
    handlers.get(target)!({
      name: 'job-1',
      data: data as ReminderTrigger['data'],
      scheduledAt: new Date('2026-01-01T00:00:00Z'),
      attempt: 1,
    });
  return { clock, warnings, reoffered, attached, tick };
}

const outage = (): StoreUnavailableError =>
  new StoreUnavailableError('txn', 'no leader', { outcomeUnknown: true });

test('a start that cannot reach the store is staged and offered again, backing off until it acts', async (t) => {
  let down = true;
  const started: string[] = [];
  const { clock, warnings, reoffered, attached, tick } = setUp({
    scheduleNewWorkflowIfAbsent: async (_workflow, _input, id) => {
      if (down) throw outage();
      started.push(id);
      return true;
    },
  });
  const start0 = clock.now();
  t.is(await tick('start-workflow', { name: 'w' }), 'undeliverable');
  const warning = warnings[0] as JobTargetTriggerError;
  t.true(warning instanceof JobTargetTriggerError);
  t.true(warning.staged);
  t.regex(
    warning.message,
    /job "job-1": could not start workflow "w" .*StoreUnavailableError.*staged \(no retry spent\)/,
  );

  clock.advance(499);
  t.deepEqual(reoffered, []);
  clock.advance(1);
  t.deepEqual(reoffered, [{ target: 'start-workflow', at: start0 + 500 }]);
  // Still down: the next offer waits twice as long.
  t.is(await tick('start-workflow', { name: 'w' }), 'undeliverable');
  clock.advance(1_000);
  t.is(reoffered.at(-1)?.at, start0 + 1_500);

  down = false;
  t.is(await tick('start-workflow', { name: 'w' }), 'success');
  t.deepEqual(started, ['job-1@2026-01-01T00:00:00.000Z']);
  // After a success the next outage starts from the first pause again.
  down = true;
  t.is(await tick('start-workflow', { name: 'w' }), 'undeliverable');
  const before = reoffered.length;
  clock.advance(500);
  t.is(reoffered.length, before + 1);
  attached.stop();
});

test('other errors fail the tick; stop cancels pending offers', async (t) => {
  const { clock, warnings, reoffered, attached, tick } = setUp({
    getWorkflowState: async () => undefined,
    scheduleNewWorkflowIfAbsent: async () => {
      throw outage();
    },
  });
  t.is(await tick('raise-event', { instanceId: 'i-1', name: 'e' }), 'failed');
  t.false((warnings[0] as JobTargetTriggerError).staged);
  t.regex(warnings[0]!.message, /the instance does not exist; the job's failure policy decides/);
  t.is(await tick('raise-event', { name: 'e' }), 'failed', 'a stored target without an instance id');

  t.is(await tick('start-workflow', { name: 'w' }), 'undeliverable');
  attached.stop();
  clock.advance(60_000);
  t.deepEqual(reoffered, []);
});
