/**
 * W8's figures and its report table: one row per figure, the kill -9 run beside the run without
 * the kill (tickflow only, so no engine columns).
 */
import { formatCell } from '../../lib/table.js';
import type { MetricInfo } from '../metrics.js';
import type { Cell } from '../runner.js';
import { PHASES, SERIES_STEP_S, SETTLED_BELOW_MS, type Phase } from './w8-tally.js';

const PHASE_LABEL: Record<Phase, string> = {
  before: 'before the kill',
  takeover: 'takeover window',
  after: 'after the takeover',
};

interface Figure {
  key: string;
  label: string;
  better: MetricInfo['better'];
  /** Only the kill run has it. */
  killOnly?: boolean;
}

const lateness = (what: 'cron' | 'wf', name: string): Figure[] =>
  PHASES.flatMap((phase) =>
    (['p50', 'p99', 'max'] as const).map((stat): Figure => ({
      key: `${what}.${phase}.${stat}`,
      label: `${name} lateness ${stat}, ${PHASE_LABEL[phase]} (ms)`,
      better: 'lower',
    })),
  );

/** W8's figures, without the run prefix (`kill.` or `base.`). */
export const W8_FIGURES: readonly Figure[] = [
  {
    key: 'takeoverMs',
    label: 'takeover: kill → survivors serve every partition (ms)',
    better: 'lower',
    killOnly: true,
  },
  { key: 'victimPartitions', label: 'partitions the killed replica served', better: 'info', killOnly: true },
  ...lateness('cron', 'cron'),
  {
    key: 'cron.settledMs',
    label: `kill → cron lateness p99 under ${SETTLED_BELOW_MS / 1000} s in every later second (ms)`,
    better: 'lower',
  },
  { key: 'cron.checked', label: 'cron ticks due in the measured span', better: 'info' },
  {
    key: 'cron.duplicates',
    label: 'cron ticks delivered twice (at-least-once redeliveries)',
    better: 'lower',
  },
  { key: 'cron.missing', label: 'cron ticks missing after the drain', better: 'lower' },
  { key: 'cron.early', label: 'cron ticks delivered early', better: 'lower' },
  ...lateness('wf', 'workflow timer (due → next activity runs)'),
  {
    key: 'wf.settledMs',
    label: `kill → workflow timer lateness p99 under ${SETTLED_BELOW_MS / 1000} s in every later second (ms)`,
    better: 'lower',
  },
  { key: 'wf.checked', label: 'workflow timers due in the measured span', better: 'info' },
  { key: 'wf.duplicates', label: 'activities after a timer run twice', better: 'lower' },
  { key: 'wf.missing', label: 'workflow timers whose activity never ran', better: 'lower' },
  { key: 'wf.early', label: 'activities run before their timer was due', better: 'lower' },
  { key: 'wf.started', label: 'workflows started', better: 'info' },
  { key: 'wf.completed', label: 'workflows completed', better: 'higher' },
  { key: 'replicaPeakRssMiB', label: 'peak RSS of a replica (MiB)', better: 'lower' },
  { key: 'etcdPeakRssMiB', label: 'peak RSS of etcd (MiB)', better: 'lower' },
];

/** The figures as the harness's metric list (each run's keys prefixed). */
export const W8_METRICS: MetricInfo[] = W8_FIGURES.flatMap((f) => [
  { key: `kill.${f.key}`, label: `kill -9 run: ${f.label}`, better: f.better },
  ...(f.killOnly ? [] : [{ key: `base.${f.key}`, label: `no-kill run: ${f.label}`, better: f.better }]),
]);

/** The W8 table of the report: figure, kill -9 run, run without the kill. */
export function w8Table(cell: Cell | undefined): string[] {
  const out = ['| figure | with kill -9 of one replica | without the kill |', '| --- | ---: | ---: |'];
  const text = (key: string): string => {
    const value = cell?.median?.[key];
    if (value === undefined || Number.isNaN(value)) return '–';
    return formatCell(value, Math.abs(value) < 10 && !Number.isInteger(value) ? 2 : 0);
  };
  for (const f of W8_FIGURES) {
    const kill = text(`kill.${f.key}`);
    const base = f.killOnly ? '' : text(`base.${f.key}`);
    if (kill === '–' && (base === '–' || base === '')) continue;
    out.push(`| ${f.label} | ${kill} | ${base} |`);
  }
  for (const [what, name] of [
    ['cron', 'cron ticks'],
    ['wf', 'workflow timers'],
  ] as const) {
    const runs = (
      [
        ['kill', 'with the kill'],
        ['base', 'without'],
      ] as const
    )
      .map(([run, label]) => {
        const series = seriesOf(cell, `${run}.${what}.p99At.`);
        return series === '' ? '' : `${label}: ${series}`;
      })
      .filter((t) => t !== '');
    if (runs.length > 0)
      out.push(
        '',
        `- Lateness p99 (ms) of the ${name} due in one second, every ${SERIES_STEP_S} s (seconds from the kill): ` +
          `${runs.join('; ')}.`,
      );
  }
  return out;
}

/** "-20 s 31, -15 s 40, …" from the keys `<prefix><second>`, in time order. */
function seriesOf(cell: Cell | undefined, prefix: string): string {
  return Object.entries(cell?.median ?? {})
    .filter(([key, value]) => key.startsWith(prefix) && !Number.isNaN(value))
    .map(([key, value]) => [Number(key.slice(prefix.length)), value] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([second, value]) => `${second} s ${formatCell(value, 0)}`)
    .join(', ');
}
