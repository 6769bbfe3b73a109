/**
 * The history codec (src/history/serialize.ts): how long serializing and deserializing one stored
 * event takes, for a sequential activity history with small object payloads. Every step of an
 * uncached instance (and every load of one) deserializes its whole history, so this is the
 * per-event slope of loading; CPU time, so it holds on a busy machine too.
 *
 *   npm run bench:history-codec        (env: RUNS=9 EVENTS=30000)
 */
import { performance } from 'node:perf_hooks';
import { type HistoryEvent, deserializeEvent, serializeEvent } from './lib/tickflow.js';
import { median } from './lib/stats.js';

const RUNS = Number(process.env['RUNS'] ?? 9);
const EVENTS = Number(process.env['EVENTS'] ?? 30_000);
const T0 = Date.UTC(2026, 0, 1);

function history(events: number): HistoryEvent[] {
  const out: HistoryEvent[] = [
    {
      type: 'ExecutionStarted',
      timestamp: new Date(T0),
      name: 'order',
      instanceId: 'bench',
      generation: 0,
      input: { orderId: 'o-1', items: [{ sku: 'lamp', quantity: 2, unitPrice: 1999 }] },
    },
  ];
  for (let id = 1; out.length < events; id += 1) {
    const at = new Date(T0 + id * 1000);
    out.push(
      { type: 'OrchestratorStarted', timestamp: at },
      { type: 'TaskScheduled', timestamp: at, eventId: id, name: 'reserve', input: { sku: 'lamp', n: id } },
      { type: 'TaskCompleted', timestamp: at, eventId: id, result: { reserved: true, at: at, left: id } },
    );
  }
  return out;
}

function cpuMicros(run: () => void): number {
  const before = process.cpuUsage();
  const wall = performance.now();
  run();
  const used = process.cpuUsage(before);
  void wall;
  return used.user + used.system;
}

const events = history(EVENTS);
const lines = events.map(serializeEvent);
const serialize: number[] = [];
const deserialize: number[] = [];
for (let run = 0; run < RUNS + 1; run++) {
  const s = cpuMicros(() => {
    for (const event of events) serializeEvent(event);
  });
  const d = cpuMicros(() => {
    for (const line of lines) deserializeEvent(line);
  });
  // The first run warms the JIT up and is left out.
  if (run > 0) {
    serialize.push(s / events.length);
    deserialize.push(d / events.length);
  }
}
console.log(`history codec, ${events.length} events, medians of ${RUNS} runs (CPU µs per event)`);
console.log(`serializeEvent    ${median(serialize).toFixed(2)} µs`);
console.log(`deserializeEvent  ${median(deserialize).toFixed(2)} µs`);
