/**
 * The dashboard's pure parts, without a server: the chart points computed from `/metrics` text
 * (rendered by the server's own registry), the bounded listing's scan limit, resume tokens and
 * id-prefix range, and the filters' errors.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { WorkflowRuntimeStatus } from '../../../src/history/status.js';
import type { ListWorkflowsQuery } from '../../../src/runtime/client-core.js';
import type { WorkflowState } from '../../../src/runtime/instances/workflow-state-view.js';
import { ApiError } from '../../../src/server/api-error.js';
import { CallbackGauge, Counter, Histogram, MetricsRegistry } from '../../../src/server/prometheus.js';
import { listBounded, type ListingSource } from '../../../src/server/ui/bounded-listing.js';
import {
  histogramQuantile,
  MetricRing,
  pointBetween,
  readingOf,
} from '../../../src/server/ui/metric-ring.js';
import { startMetricSampler } from '../../../src/server/ui/metric-sampler.js';
import { statusCountsOf } from '../../../src/server/ui/status-counts.js';
import { parseWorkflowFilter } from '../../../src/server/ui/workflow-filter.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A registry with the metrics the charts read, named and shaped as ServerMetrics registers them. */
function serverLikeRegistry(): {
  registry: MetricsRegistry;
  triggered: Counter;
  lateness: Histogram;
  staged: { value: number };
} {
  const registry = new MetricsRegistry();
  const triggered = registry.register(new Counter('tickflow_jobs_triggered_total', 'x'));
  const lateness = registry.register(new Histogram('tickflow_trigger_lateness_seconds', 'x', BUCKETS));
  const staged = { value: 0 };
  registry.register(
    new CallbackGauge('tickflow_jobs_staged', 'x', () => [{ labels: {}, value: staged.value }]),
  );
  registry.register(
    new CallbackGauge('tickflow_trigger_oldest_overdue_seconds', 'x', () => [
      { labels: { partition: '0' }, value: 1.5 },
      { labels: { partition: '1' }, value: 4 },
    ]),
  );
  return { registry, triggered, lateness, staged };
}

test('a chart point is the difference of two readings of the /metrics text', (t) => {
  const { registry, triggered, lateness, staged } = serverLikeRegistry();
  // Before: 10 triggers, all on time.
  triggered.inc({ target: 'app', result: 'ok' }, 10);
  for (let i = 0; i < 10; i++) lateness.observe(0.001, { target: 'app' });
  const before = readingOf(registry.render(), 1_000_000);
  // In 5 s: 50 more over two targets, lateness 0.2 s for 45 of them and 3 s for 5.
  triggered.inc({ target: 'app', result: 'ok' }, 30);
  triggered.inc({ target: 'wf-timer', result: 'ok' }, 20);
  for (let i = 0; i < 45; i++) lateness.observe(0.2, { target: i % 2 ? 'app' : 'wf-timer' });
  for (let i = 0; i < 5; i++) lateness.observe(3, { target: 'app' });
  staged.value = 7;
  const point = pointBetween(before, readingOf(registry.render(), 1_005_000));
  t.is(point.seconds, 5);
  t.is(point.triggerRate, 10);
  t.is(point.staged, 7);
  t.is(point.oldestOverdueSeconds, 4);
  // 45 of 50 in (0.1, 0.25]: the median interpolates inside that bucket, p99 in (2.5, 5].
  t.truthy(point.lateness);
  t.true(point.lateness!.p50 > 0.1 && point.lateness!.p50 <= 0.25, String(point.lateness!.p50));
  t.true(point.lateness!.p90 > 0.1 && point.lateness!.p90 <= 0.25, String(point.lateness!.p90));
  t.true(point.lateness!.p99 > 2.5 && point.lateness!.p99 <= 5, String(point.lateness!.p99));
  // Nothing happened: no rate, no percentiles.
  const idle = pointBetween(readingOf(registry.render(), 2_000_000), readingOf(registry.render(), 2_005_000));
  t.is(idle.triggerRate, 0);
  t.is(idle.lateness, null);
});

test('histogramQuantile interpolates as Prometheus does, and stops at the largest finite bound', (t) => {
  const buckets = new Map([
    [1, 0],
    [2, 10],
    [4, 10],
    [Infinity, 20],
  ]);
  t.is(histogramQuantile(0.25, buckets), 1.5);
  t.is(histogramQuantile(0.5, buckets), 2);
  t.is(histogramQuantile(0.9, buckets), 4);
  t.is(histogramQuantile(0.5, new Map([[1, 0]])), undefined);
});

test('the ring keeps the last points only; the sampler reads on its clock until stopped', (t) => {
  const ring = new MetricRing(3);
  const reading = (at: number, triggers: number) => ({
    at,
    triggers,
    failed: 0,
    steps: 0,
    lateness: new Map<number, number>(),
    staged: 0,
    oldestOverdueSeconds: 0,
  });
  for (let i = 0; i <= 5; i++) ring.add(reading(i * 1000, i * 2));
  t.deepEqual(
    ring.points().map((p) => p.at),
    [3000, 4000, 5000].map((ms) => new Date(ms).toISOString()),
  );
  t.true(ring.points().every((p) => p.triggerRate === 2));

  const clock = new FakeClock();
  const { registry, triggered } = serverLikeRegistry();
  const warnings: Error[] = [];
  let broken = false;
  const sampler = startMetricSampler({
    render: () => {
      if (broken) throw new Error('render failed');
      return registry.render();
    },
    clock,
    warn: (e) => warnings.push(e),
    intervalMs: 5000,
    capacity: 10,
  });
  triggered.inc({}, 25);
  clock.advance(5000);
  t.is(sampler.ring.points().length, 1);
  t.is(sampler.ring.points()[0]?.triggerRate, 5);
  broken = true;
  clock.advance(5000);
  t.is(warnings.length, 1);
  broken = false;
  clock.advance(5000);
  t.is(sampler.ring.points().length, 2);
  sampler.stop();
  clock.advance(50_000);
  t.is(sampler.ring.points().length, 2);
});

test('counts by status are read from the instance gauges of /metrics', (t) => {
  const text = [
    '# HELP tickflow_workflow_instances x',
    '# TYPE tickflow_workflow_instances gauge',
    'tickflow_workflow_instances{status="RUNNING"} 12',
    'tickflow_workflow_instances{status="FAILED"} 1',
    'tickflow_workflow_instances{status="PENDING"} 0',
    'tickflow_workflow_instances_stalled 2',
    'tickflow_workflow_instances_truncated 1',
  ].join('\n');
  t.deepEqual(statusCountsOf(text), { counts: { RUNNING: 12, FAILED: 1 }, stalled: 2, truncated: true });
});

/** A store of instances `a000`..: the client's listing over it, tokens being `key:{id}`. */
function fakeSource(
  ids: string[],
  statusOf: (id: string) => WorkflowRuntimeStatus,
): {
  source: ListingSource;
  reads: number[];
} {
  const sorted = [...ids].sort();
  const reads: number[] = [];
  const state = (id: string): WorkflowState => ({
    instanceId: id,
    name: 'wf',
    runtimeStatus: statusOf(id),
    createdAt: new Date(0),
    lastUpdatedAt: new Date(0),
  });
  return {
    reads,
    source: {
      tokenAfter: (id) => `key:${id}`,
      async list(query: ListWorkflowsQuery) {
        t0(query.status === undefined && query.namePrefix === undefined, 'the scan filters by itself');
        const after = query.continuationToken?.slice(4);
        const rest = sorted.filter((id) => after === undefined || id > after);
        const page = rest.slice(0, query.pageSize ?? 100);
        reads.push(page.length);
        const last = page.at(-1);
        return {
          instances: page.map(state),
          ...(page.length < rest.length && last !== undefined && { continuationToken: `key:${last}` }),
        };
      },
    },
  };
}
function t0(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

test('the bounded listing reads at most the scan limit, resumes mid-chunk, and bounds an id prefix', async (t) => {
  const ids = Array.from({ length: 1000 }, (_, i) => `a${String(i).padStart(4, '0')}`);
  // Every 100th is FAILED.
  const { source, reads } = fakeSource(ids, (id) =>
    Number(id.slice(1)) % 100 === 99 ? WorkflowRuntimeStatus.FAILED : WorkflowRuntimeStatus.RUNNING,
  );
  const failed = { statuses: new Set([WorkflowRuntimeStatus.FAILED]) };
  const first = await listBounded(source, failed, { pageSize: 3, scanLimit: 250 });
  t.deepEqual(
    first.instances.map((i) => i.instanceId),
    ['a0099', 'a0199'],
  );
  t.is(first.scanned, 250);
  t.is(first.continuationToken, 'key:a0249');
  t.true(reads.reduce((a, b) => a + b, 0) <= 250);
  const second = await listBounded(source, failed, {
    pageSize: 3,
    scanLimit: 250,
    continuationToken: first.continuationToken!,
  });
  // A full page ends mid-chunk and resumes right after its last instance.
  t.deepEqual(
    second.instances.map((i) => i.instanceId),
    ['a0299', 'a0399', 'a0499'],
  );
  t.is(second.continuationToken, 'key:a0499');

  reads.length = 0;
  const prefixed = await listBounded(source, { idPrefix: 'a05' }, { pageSize: 200, scanLimit: 5000 });
  t.is(prefixed.instances.length, 100);
  t.is(prefixed.instances[0]?.instanceId, 'a0500');
  t.is(prefixed.continuationToken, undefined);
  // It started at the prefix and stopped one record past it.
  t.is(prefixed.scanned, 101);

  const all = await listBounded(source, {}, { pageSize: 200, scanLimit: 5000 });
  t.is(all.instances.length, 200);
  t.is(all.continuationToken, 'key:a0199');
  const end = await listBounded(
    source,
    {},
    { pageSize: 200, scanLimit: 5000, continuationToken: 'key:a0799' },
  );
  t.is(end.instances.length, 200);
  t.is(end.continuationToken, undefined);
});

test('bad filters are ApiErrors naming the field', (t) => {
  for (const [query, field] of [
    [{ status: 'RUNNING,DONE' }, 'status'],
    [{ stalled: 'maybe' }, 'stalled'],
    [{ idPrefix: 'a b' }, 'idPrefix'],
    [{ idPrefix: 'x'.repeat(201) }, 'idPrefix'],
    [{ name: 'n'.repeat(257) }, 'name'],
    [{ createdFrom: '12/03/2026' }, 'createdFrom'],
    [{ createdTo: '2026-02-30Tnope' }, 'createdTo'],
  ] as const) {
    const error = t.throws(() => parseWorkflowFilter(query), { instanceOf: ApiError });
    t.is(error?.field, field);
    t.is(error?.status, 400);
  }
  t.deepEqual(parseWorkflowFilter({ status: 'running, failed', stalled: 'false', idPrefix: 'o-1' }), {
    statuses: new Set([WorkflowRuntimeStatus.RUNNING, WorkflowRuntimeStatus.FAILED]),
    stalled: false,
    idPrefix: 'o-1',
  });
});
