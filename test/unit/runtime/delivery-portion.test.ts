import test from 'ava';
import type { HistoryEvent } from '../../../src/history/events.js';
import { takeDeliveries, type Delivery } from '../../../src/runtime/steps/delivery-portion.js';

const at = new Date(0);
const noop = (): void => undefined;

function result(eventId: number, bytes: number): Delivery {
  const event: HistoryEvent = {
    type: 'TaskCompleted',
    eventId,
    timestamp: at,
    result: 'x'.repeat(bytes - 2),
  };
  return { events: [event], readInbox: false, resolve: noop, reject: noop };
}

test('takeDeliveries takes the leading deliveries that fit and leaves the rest queued', (t) => {
  const queue = [result(1, 100), result(2, 100), result(3, 100)];
  const taken = takeDeliveries(queue, 250);
  t.deepEqual(
    taken.map((d) => (d.events[0] as { eventId: number }).eventId),
    [1, 2],
  );
  t.is(queue.length, 1);
});

test('takeDeliveries always takes the first, however large, and bare events cost nothing', (t) => {
  const timer: Delivery = {
    events: [{ type: 'TimerFired', eventId: 9, timestamp: at, fireAt: at }],
    readInbox: true,
    resolve: noop,
    reject: noop,
  };
  const queue = [result(1, 1000), timer, result(2, 10)];
  t.is(takeDeliveries(queue, 100).length, 1);
  t.is(takeDeliveries(queue, 100).length, 2);
  t.is(queue.length, 0);
});
