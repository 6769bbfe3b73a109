/** How each figure is labelled in the table and which way is better (for ratios and targets). */
import type { WorkloadName } from './types.js';
import { W8_METRICS } from './workloads/w8-report.js';

export interface MetricInfo {
  key: string;
  label: string;
  better: 'higher' | 'lower' | 'info';
  digits?: number;
}

const m = (key: string, label: string, better: MetricInfo['better'], digits?: number): MetricInfo => ({
  key,
  label,
  better,
  ...(digits === undefined ? {} : { digits }),
});

const TIMER_RESOURCES = [
  m('rssMiB', 'RSS of the benchmark process (MiB)', 'lower'),
  m('storeRssMiB', 'RSS of the store process (MiB)', 'lower'),
];

function w3Metrics(variant: string, zone: string): MetricInfo[] {
  return [
    m(`${variant}.expectedPerSec`, `${zone}: triggers/s due`, 'info'),
    m(`${variant}.triggersPerSec`, `${zone}: triggers/s delivered`, 'higher'),
    m(`${variant}.cpuUsPerTrigger`, `${zone}: CPU µs/trigger, benchmark process`, 'lower'),
    m(`${variant}.storeCpuUsPerTrigger`, `${zone}: CPU µs/trigger, store`, 'lower'),
    m(`${variant}.nextFireSharePct`, `${zone}: % of sampled JS CPU computing next fire times`, 'info', 1),
    m(`${variant}.lateP99`, `${zone}: lateness p99 (ms)`, 'lower'),
    m(`${variant}.early`, `${zone}: early fires`, 'lower'),
    m(`${variant}.createPerSec`, `${zone}: jobs created/s`, 'higher'),
  ];
}

function w4Metrics(key: string, label: string): MetricInfo[] {
  return [
    m(`${key}.workflowsPerSec`, `${label}: workflows/s`, 'higher'),
    m(`${key}.stepsPerSec`, `${label}: steps/s`, 'higher'),
    m(`${key}.p50Ms`, `${label}: latency p50 (ms)`, 'lower'),
    m(`${key}.p99Ms`, `${label}: latency p99 (ms)`, 'lower'),
    m(`${key}.cpuUsPerStep`, `${label}: CPU µs/step, benchmark process`, 'lower'),
    m(`${key}.storeCpuUsPerStep`, `${label}: CPU µs/step, store`, 'lower'),
  ];
}

function w6Metrics(prefix: string, label: string): MetricInfo[] {
  return [
    m(`${prefix}.steps`, `${label}: steps`, 'info'),
    m(`${prefix}.stepsPerSec`, `${label}: steps/s`, 'higher'),
    m(`${prefix}.msPerStep`, `${label}: ms/step over the run`, 'lower', 2),
    m(`${prefix}.msPerStepAt100`, `${label}: ms/step around step 100`, 'lower', 2),
    m(`${prefix}.msPerStepAtEnd`, `${label}: ms/step over the last 100`, 'lower', 2),
    m(`${prefix}.endOver100`, `${label}: last/at-100 (flat ≈ 1)`, 'lower', 2),
  ];
}

export const METRICS: Record<WorkloadName, MetricInfo[]> = {
  W1: [
    m('createPerSec', 'timers created/s', 'higher'),
    m('firedPerSec', 'fired/s (due instant → last delivery)', 'higher'),
    m('lateP50', 'lateness p50 (ms)', 'lower'),
    m('lateP99', 'lateness p99 (ms)', 'lower'),
    m('lateMax', 'lateness max (ms)', 'lower'),
    m('early', 'early fires', 'lower'),
    m('duplicates', 'duplicate deliveries', 'lower'),
    m('missing', 'missing deliveries', 'lower'),
    m('slackMs', 'ms between end of creation and due instant', 'info'),
    m('cpuUsPerTimer', 'CPU µs/timer, benchmark process', 'lower'),
    m('storeCpuUsPerTimer', 'CPU µs/timer, store', 'lower'),
    ...TIMER_RESOURCES,
  ],
  W2: [m('maxRateP99Under1s', 'highest rate with p99 lateness < 1 s (/s)', 'higher')],
  W3: [...w3Metrics('utc', 'UTC'), ...w3Metrics('berlin', 'CRON_TZ=Europe/Berlin')],
  W4: [
    ...w4Metrics('hello5', '5 steps'),
    ...w4Metrics('timer3', '3 steps + 1 s timer'),
    ...w4Metrics('inline.hello5', '5 steps, tickflow inline activities'),
    ...w4Metrics('inline.timer3', '3 steps + 1 s timer, tickflow inline activities'),
  ],
  W5: [
    m('single.wallMs', '1 workflow × N activities: wall time (ms)', 'lower'),
    m('single.activitiesPerSec', '1 workflow × N: activities/s', 'higher'),
    m('many.wallMs', 'M workflows × K: wall time (ms)', 'lower'),
    m('many.activitiesPerSec', 'M × K: activities/s', 'higher'),
    m('many.p50Ms', 'M × K: latency p50 (ms)', 'lower'),
    m('many.p99Ms', 'M × K: latency p99 (ms)', 'lower'),
  ],
  W6: [
    ...w6Metrics('long', 'cache on'),
    ...w6Metrics('inline.long', 'cache on, tickflow inline activities'),
    ...w6Metrics('cacheOff', 'cache off'),
  ],
  W7: [
    m('timers', 'pending timers', 'info'),
    m('createPerSec', 'created/s', 'higher'),
    m(
      'rssMiB',
      'RSS of the benchmark process (MiB; tickflow: the replica, and the producer unless in its own process)',
      'lower',
    ),
    m('producerRssMiB', 'RSS of the producer process (MiB; TICKFLOW_W7_PRODUCER_PROCESS=1)', 'lower'),
    m('storeRssMiB', 'RSS of the store process (MiB)', 'lower'),
    m('heapBytesPerTimer', 'benchmark process live heap + array buffers after GC, bytes/timer', 'lower'),
    m('rssBytesPerTimer', 'benchmark process peak RSS growth, bytes/timer', 'lower'),
    m('storeRssBytesPerTimer', 'store RSS growth, bytes/timer', 'lower'),
    m('storeBytesPerTimer', 'store data, bytes/timer', 'lower'),
  ],
  W8: W8_METRICS,
};

/** W2's per-rate rows, generated from the rates that ran. */
export function w2RateMetrics(rates: readonly number[]): MetricInfo[] {
  return rates.flatMap((r) => [
    m(`p50@${r}`, `${r}/s: lateness p50 (ms)`, 'lower'),
    m(`p99@${r}`, `${r}/s: lateness p99 (ms)`, 'lower'),
    m(`max@${r}`, `${r}/s: lateness max (ms)`, 'lower'),
    m(`achieved@${r}`, `${r}/s: delivered/s`, 'higher'),
    m(`early@${r}`, `${r}/s: early fires`, 'lower'),
    m(`missing@${r}`, `${r}/s: missing`, 'lower'),
  ]);
}

export const WORKLOAD_TITLES: Record<WorkloadName, string> = {
  W1: 'W1 burst: one-shot timers all due at one instant',
  W2: 'W2 sustained: timers due at a steady rate, each created 1 s ahead',
  W3: 'W3 cron: recurring jobs every 5 s',
  W4: 'W4 workflows: sequential no-op steps, all instances started at once',
  W5: 'W5 fan-out: parallel no-op activities',
  W6: 'W6 replay: cost per step of one long sequential workflow',
  W7: 'W7 memory: pending timers (due in an hour)',
  W8: 'W8 failover: cron jobs and running workflows on several replicas, one killed with SIGKILL mid-run',
};
