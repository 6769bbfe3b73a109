import test from 'ava';
import type { JobTrigger, TriggerHandler, TriggerResult } from '../../src/timers/schedule/job.js';
import {
  SidecarHub,
  SidecarLimitError,
  type SidecarAnnouncement,
  type SidecarAnswer,
  type SidecarConnection,
} from '../../src/scheduler/sidecar-hub.js';

/** The timer service's side: handlers per target, and the re-offers asked for. */
class FakeTimers {
  readonly handlers = new Map<string, TriggerHandler>();
  readonly retried: string[] = [];
  onTrigger(target: string, handler: TriggerHandler): () => void {
    this.handlers.set(target, handler);
    return () => this.handlers.delete(target);
  }
  retryStaged(target: string): void {
    this.retried.push(target);
  }
  async fire(target: string, trigger: JobTrigger = TRIGGER): Promise<TriggerResult | 'no handler'> {
    const handler = this.handlers.get(target);
    return handler ? handler(trigger) : 'no handler';
  }
}

const TRIGGER: JobTrigger = {
  name: 'app~ns~orders~j',
  namespace: '_dapr-scheduler',
  appId: 'jobs',
  target: 'dapr-app~ns~orders',
  data: null,
  scheduledAt: new Date(0),
  attempt: 1,
  count: 0,
  jobRevision: 1,
};

/** A stream whose answers the test decides, one at a time. */
class FakeStream implements SidecarConnection {
  readonly label: string;
  readonly announcement: SidecarAnnouncement;
  readonly sent: JobTrigger[] = [];
  #pending: Array<(a: SidecarAnswer) => void> = [];
  constructor(label: string, announcement: Partial<SidecarAnnouncement> = {}) {
    this.label = label;
    this.announcement = {
      namespace: 'ns',
      appId: 'orders',
      actorTypes: [],
      acceptsJobs: true,
      acceptsReminders: true,
      ...announcement,
    };
  }
  get inflight(): number {
    return this.#pending.length;
  }
  deliver(trigger: JobTrigger): Promise<SidecarAnswer> {
    this.sent.push(trigger);
    return new Promise((resolve) => this.#pending.push(resolve));
  }
  answerAll(answer: SidecarAnswer): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const resolve of pending) resolve(answer);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a target has a handler only while a stream serves it', async (t) => {
  const timers = new FakeTimers();
  const hub = new SidecarHub({ timers, maxConnections: 10, maxInflightPerConnection: 10 });
  t.is(await timers.fire('dapr-app~ns~orders'), 'no handler');
  const a = new FakeStream('a', { actorTypes: ['Cart'] });
  hub.add(a);
  t.deepEqual([...timers.handlers.keys()].sort(), ['dapr-actor~ns~Cart', 'dapr-app~ns~orders']);
  const result = timers.fire('dapr-app~ns~orders');
  a.answerAll('success');
  t.is(await result, 'success');
  hub.remove(a);
  t.is(timers.handlers.size, 0);
});

test('FAILED and timeouts fail the tick; a stream gone before answering hands the trigger on, then it is staged', async (t) => {
  const timers = new FakeTimers();
  const hub = new SidecarHub({ timers, maxConnections: 10, maxInflightPerConnection: 10 });
  const a = new FakeStream('a');
  const b = new FakeStream('b');
  hub.add(a);
  hub.add(b);
  t.deepEqual(timers.retried, ['dapr-app~ns~orders'], 'a second stream re-offers staged triggers');
  const failed = timers.fire('dapr-app~ns~orders');
  (a.inflight > 0 ? a : b).answerAll('failed');
  t.is(await failed, 'failed');
  const timedOut = timers.fire('dapr-app~ns~orders');
  (a.inflight > 0 ? a : b).answerAll('timeout');
  t.is(await timedOut, 'failed');

  const handedOn = timers.fire('dapr-app~ns~orders');
  const first = a.inflight > 0 ? a : b;
  const second = first === a ? b : a;
  first.answerAll('gone');
  await tick();
  t.is(second.inflight, 1, 'sent again to the other stream');
  second.answerAll('gone');
  t.is(await handedOn, 'undeliverable', 'no stream left: staged');
});

test('streams at their in-flight bound: a trigger waits for a slot, then goes out; staged if the streams go', async (t) => {
  const timers = new FakeTimers();
  const hub = new SidecarHub({ timers, maxConnections: 10, maxInflightPerConnection: 1 });
  const a = new FakeStream('a');
  hub.add(a);
  const first = timers.fire('dapr-app~ns~orders');
  const second = timers.fire('dapr-app~ns~orders');
  await tick();
  t.is(a.sent.length, 1);
  t.is(hub.waiting, 1);
  a.answerAll('success');
  t.is(await first, 'success');
  await tick();
  t.is(a.sent.length, 2, 'the waiting one took the freed slot');
  t.is(hub.waiting, 0);
  a.answerAll('success');
  t.is(await second, 'success');

  const third = timers.fire('dapr-app~ns~orders');
  const fourth = timers.fire('dapr-app~ns~orders');
  await tick();
  t.is(hub.waiting, 1);
  hub.remove(a);
  a.answerAll('gone');
  t.deepEqual([await third, await fourth], ['undeliverable', 'undeliverable']);
  t.is(hub.waiting, 0);
});

test('the fewest in flight first; actor types only to the streams hosting them', async (t) => {
  const timers = new FakeTimers();
  const hub = new SidecarHub({ timers, maxConnections: 10, maxInflightPerConnection: 10 });
  const a = new FakeStream('a', { actorTypes: ['Cart'] });
  const b = new FakeStream('b', { appId: 'shop', actorTypes: ['Order'] });
  const c = new FakeStream('c', { acceptsReminders: false, actorTypes: ['Cart'] });
  hub.add(a);
  hub.add(b);
  hub.add(c);
  void timers.fire('dapr-app~ns~orders');
  void timers.fire('dapr-app~ns~orders');
  t.is(a.sent.length, 1);
  t.is(c.sent.length, 1);
  void timers.fire('dapr-actor~ns~Cart');
  t.is(a.sent.length, 2);
  t.is(b.sent.length, 0);
  t.is(c.sent.length, 1);
  for (const s of [a, b, c]) s.answerAll('success');
});

test('streams are bounded', (t) => {
  const hub = new SidecarHub({ timers: new FakeTimers(), maxConnections: 1, maxInflightPerConnection: 1 });
  hub.add(new FakeStream('a'));
  t.throws(() => hub.add(new FakeStream('b')), { instanceOf: SidecarLimitError });
  t.is(hub.connections, 1);
  hub.close();
  t.is(hub.connections, 0);
  t.throws(() => hub.add(new FakeStream('c')), { instanceOf: SidecarLimitError });
});

test('one app holds at most maxInflightPerTarget triggers, over all its streams; others are not held up', async (t) => {
  const timers = new FakeTimers();
  const hub = new SidecarHub({
    timers,
    maxConnections: 10,
    maxInflightPerConnection: 10,
    maxInflightPerTarget: 2,
  });
  const a = new FakeStream('a');
  const b = new FakeStream('b');
  const other = new FakeStream('other', { appId: 'shop' });
  hub.add(a);
  hub.add(b);
  hub.add(other);
  timers.retried.length = 0;
  const held = [timers.fire('dapr-app~ns~orders'), timers.fire('dapr-app~ns~orders')];
  t.is(await timers.fire('dapr-app~ns~orders'), 'undeliverable', 'the third is staged');
  const shop = timers.fire('dapr-app~ns~shop');
  other.answerAll('success');
  t.is(await shop, 'success', 'another app still gets its triggers');
  a.answerAll('success');
  b.answerAll('success');
  t.deepEqual(await Promise.all(held), ['success', 'success']);
  await tick();
  t.deepEqual(timers.retried, ['dapr-app~ns~orders'], 'staged triggers re-offered once slots free');
});
