/**
 * The delivery policy shared by the HTTP and gRPC transports, against scripted transports: which
 * instance gets a trigger, what is staged and what spends a retry, and how an instance rejoins.
 */
import test from 'ava';
import { AppDelivery, type DeliveryOutcome } from '../../../../src/server/app-delivery.js';
import type {
  DeliveryTransport,
  TransportResult,
} from '../../../../src/server/delivery/delivery-transport.js';
import type { JobCallback } from '../../../../src/server/delivery/job-callback.js';
import type { JobTrigger, TriggerResult } from '../../../../src/timers/schedule/job.js';

/** A transport that answers from a script and records what it was sent. */
class ScriptedTransport implements DeliveryTransport {
  readonly target: string;
  readonly sent: JobCallback[] = [];
  probes = 0;
  constructor(
    readonly instance: string,
    public answer: TransportResult,
    public probeAnswer: string | undefined = 'still down',
  ) {
    this.target = `${instance}/job/...`;
  }
  async send(callback: JobCallback): Promise<TransportResult> {
    this.sent.push(callback);
    return this.answer;
  }
  async probe(): Promise<string | undefined> {
    this.probes++;
    return this.probeAnswer;
  }
  close(): void {}
}

const OK: TransportResult = { kind: 'ok', detail: 'the app answered 200' };
const DOWN: TransportResult = { kind: 'unreachable', refused: true, detail: 'connect ECONNREFUSED' };

function trigger(overrides: Partial<JobTrigger> = {}): JobTrigger {
  return {
    name: 'job-1',
    namespace: 'default',
    appId: 'tickflow',
    target: 'app',
    data: { n: 1 },
    scheduledAt: new Date('2026-12-03T10:00:00.000Z'),
    attempt: 1,
    count: 0,
    jobRevision: 42,
    ...overrides,
  };
}

function delivery(
  instances: ScriptedTransport[],
  random: () => number = () => 0,
  onLog?: () => void,
): { d: AppDelivery; outcomes: Array<[DeliveryOutcome, string]>; log: string[] } {
  const outcomes: Array<[DeliveryOutcome, string]> = [];
  const log: string[] = [];
  const d = new AppDelivery({
    instances,
    timeoutMs: 1_000,
    maxProbeIntervalMs: 100,
    random,
    onOutcome: (outcome, _trigger, instance) => outcomes.push([outcome, instance]),
    log: (line) => {
      log.push(line);
      if (line.includes('answers again')) onLog?.();
    },
  });
  return { d, outcomes, log };
}

test('an unreachable instance is skipped: the next one gets the trigger, and no retry is spent', async (t) => {
  const a = new ScriptedTransport('http://a', DOWN);
  const b = new ScriptedTransport('http://b', OK);
  const { d, outcomes, log } = delivery([a, b]);
  t.teardown(() => d.close());
  t.is(await d.deliver(trigger()), 'success');
  t.deepEqual(outcomes, [
    ['refused', 'http://a'],
    ['ok', 'http://b'],
  ]);
  t.deepEqual(d.instanceStates(), [
    { instance: 'http://a', reachable: false },
    { instance: 'http://b', reachable: true },
  ]);
  t.regex(
    log.join('\n'),
    /delivery to http:\/\/a\/job\/\.\.\. failed .* its deliveries go to the other instances/,
  );
  // Later triggers go straight to the reachable instance.
  t.is(await d.deliver(trigger({ name: 'job-2' })), 'success');
  t.is(a.sent.length, 1);
  t.is(b.sent.length, 2);
});

test('when no instance can be reached the trigger is staged (undeliverable), logged once per outage', async (t) => {
  const a = new ScriptedTransport('http://a', {
    kind: 'unreachable',
    refused: false,
    detail: 'getaddrinfo ENOTFOUND',
  });
  const b = new ScriptedTransport('http://b', DOWN);
  const { d, log } = delivery([a, b]);
  t.teardown(() => d.close());
  t.is(await d.deliver(trigger()), 'undeliverable');
  t.is(await d.deliver(trigger({ name: 'job-2' })), 'undeliverable');
  // The second trigger found no reachable instance and sent nothing.
  t.is(a.sent.length + b.sent.length, 2);
  t.is(log.length, 2, log.join('\n'));
  t.regex(log[1] ?? '', /triggers are staged \(no retry is spent\)/);
});

test('an answer decides: an error answer or a timeout is a failure (no other instance is tried), no handler is delivered', async (t) => {
  const cases: Array<[TransportResult, TriggerResult]> = [
    [{ kind: 'app_error', detail: 'the app answered 500' }, 'failed'],
    [{ kind: 'timeout', detail: 'no answer within 1000 ms' }, 'failed'],
    [{ kind: 'not_found', detail: 'the app answered 404' }, 'success'],
  ];
  for (const [answer, expected] of cases) {
    const a = new ScriptedTransport('http://a', answer);
    const b = new ScriptedTransport('http://b', OK);
    const { d, outcomes } = delivery([a, b]);
    t.is(await d.deliver(trigger()), expected, answer.kind);
    t.deepEqual(outcomes, [[answer.kind as DeliveryOutcome, 'http://a']]);
    t.is(b.sent.length, 0);
    d.close();
  }
});

test('the failure of a job is logged once, with the instance and the cause', async (t) => {
  const a = new ScriptedTransport('grpc://127.0.0.1:1', {
    kind: 'app_error',
    detail: 'the app answered INTERNAL: boom',
  });
  const { d, log } = delivery([a]);
  t.teardown(() => d.close());
  await d.deliver(trigger());
  await d.deliver(trigger({ attempt: 2 }));
  t.deepEqual(log, [
    'warning: job "job-1": delivery to grpc://127.0.0.1:1/job/... failed (attempt 1): the app answered INTERNAL: boom; ' +
      'its failure policy decides what next (later failures of this job are counted in tickflow_app_deliveries_total, not logged)',
  ]);
});

test('deliveries are spread at random over the reachable instances', async (t) => {
  const instances = ['a', 'b', 'c'].map((n) => new ScriptedTransport(`http://${n}`, OK));
  // A fixed sequence of draws stands in for Math.random.
  const draws = [0, 0.5, 0.9, 0.2, 0.7, 0.4];
  let i = 0;
  const { d } = delivery(instances, () => draws[i++ % draws.length] ?? 0);
  t.teardown(() => d.close());
  for (let n = 0; n < draws.length; n++) await d.deliver(trigger({ name: `j${n}` }));
  t.deepEqual(
    instances.map((x) => x.sent.length),
    [2, 2, 2],
  );
});

test('an instance rejoins once its probe passes, and says so', async (t) => {
  const a = new ScriptedTransport('http://a', DOWN, 'still down');
  let onLog: (() => void) | undefined;
  const rejoined = new Promise<void>((resolve) => (onLog = resolve));
  const { d, log } = delivery(
    [a],
    () => 0,
    () => onLog?.(),
  );
  t.teardown(() => d.close());
  t.is(await d.deliver(trigger()), 'undeliverable');
  a.answer = OK;
  a.probeAnswer = undefined;
  await rejoined;
  t.true(a.probes >= 1);
  t.regex(log.join('\n'), /app instance http:\/\/a answers again/);
  t.is(await d.deliver(trigger()), 'success');
});

test('no instance at all is refused with a typed error naming the field', (t) => {
  const error = t.throws(() => new AppDelivery({ instances: [], timeoutMs: 1 }));
  t.like(error, { name: 'AppEndpointError', field: 'instances' });
});
