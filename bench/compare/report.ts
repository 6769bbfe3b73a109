/**
 * The Markdown report of a comparison: machine and load, then per workload a table of medians
 * per engine with the ratio tickflow/peer, the targets, and tickflow's CPU profile.
 */
import { describeRunStarts } from './run-start.js';
import { formatCell } from '../lib/table.js';
import { METRICS, w2RateMetrics, WORKLOAD_TITLES, type MetricInfo } from './metrics.js';
import type { Cell } from './runner.js';
import type { EngineName, Sizes, WorkloadName } from './types.js';
import { RUN_CAP } from './support.js';
import { checkTargets } from './targets.js';
import { w8Table } from './workloads/w8-report.js';

export interface Report {
  at: string;
  command: string;
  machine: Record<string, string | number>;
  loadBefore: number[];
  loadAfter: number[];
  runs: number;
  sizes: Sizes;
  engines: EngineName[];
  cells: Cell[];
}

const PEER_LABEL: Record<EngineName, string> = {
  tickflow: 'tickflow',
  'bullmq-everysec': 'BullMQ (AOF everysec)',
  'bullmq-always': 'BullMQ (AOF always)',
  restate: 'Restate',
};

export function renderMarkdown(report: Report, charts: readonly string[] = []): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(`# tickflow vs BullMQ and Restate — ${report.at.slice(0, 16).replace('T', ' ')} UTC`, '');
  out.push(
    `Medians of ${report.runs} run(s) each, \`${report.command}\`. Ratio = tickflow ÷ peer; ✓ where tickflow is ` +
      `as good or better in that figure's direction, ✗ where worse.`,
    '',
    `Machine: ${m['cpus']} × ${m['cpuModel']}, ${formatCell(Number(m['totalMemMiB']))} MiB, Linux ${m['kernel']}; ` +
      `Node ${m['node']}; etcd ${m['etcd']}; Redis ${m['redis']} + BullMQ ${m['bullmq']} (ioredis ${m['ioredis']}); ` +
      `restate-server ${m['restateServer']} + SDK ${m['restateSdk']}.`,
    '',
    `Load average (1/5/15 min) before: ${report.loadBefore.join(' / ')}, after: ${report.loadAfter.join(' / ')}` +
      (Math.max(report.loadBefore[0] ?? 0, report.loadAfter[0] ?? 0) > (Number(m['cpus']) || 2)
        ? ' — **the machine was busy with other work: absolute figures are low, ratios still compare engines run side by side.**'
        : '.'),
    '',
  );
  out.push(...checkTargets(report.cells), '');
  for (const chart of charts) out.push(`![${chart}](${chart})`, '');
  for (const workload of new Set(report.cells.map((c) => c.workload))) {
    out.push(...workloadSection(workload, report));
  }
  out.push(...profileSection(report.cells));
  return `${out.join('\n').trimEnd()}\n`;
}

function workloadSection(workload: WorkloadName, report: Report): string[] {
  const cells = report.cells.filter((c) => c.workload === workload);
  const engines = cells.map((c) => c.engine);
  const peers = engines.filter((e) => e !== 'tickflow');
  const tick = cells.find((c) => c.engine === 'tickflow');
  const metrics =
    workload === 'W2' ? [...METRICS.W2, ...w2RateMetrics(report.sizes.w2Rates)] : METRICS[workload];
  const out = [`## ${WORKLOAD_TITLES[workload]}`, '', sizeLine(workload, report.sizes), ''];
  // W8 is tickflow's alone: its columns are the run with the kill and the one without.
  if (workload === 'W8') out.push(...w8Table(tick));
  else {
    const header = [
      'figure',
      ...engines.map((e) => PEER_LABEL[e]),
      ...(tick ? peers.map((p) => `tickflow ÷ ${PEER_LABEL[p]}`) : []),
    ];
    out.push(
      `| ${header.join(' | ')} |`,
      `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    );
    for (const metric of metrics) {
      const values = cells.map((c) => c.median?.[metric.key]);
      if (values.every((v) => v === undefined || Number.isNaN(v))) continue;
      const row = [metric.label, ...cells.map((c) => cellText(c, metric))];
      if (tick)
        for (const peer of peers)
          row.push(
            ratioText(
              tick,
              cells.find((c) => c.engine === peer),
              metric,
            ),
          );
      out.push(`| ${row.join(' | ')} |`);
    }
  }
  const cap = RUN_CAP[workload];
  if (cap !== undefined && cap < report.runs)
    out.push('', `- ${cap} run per engine (memory figures barely vary).`);
  for (const cell of cells) {
    const skipped = report.sizes.w2Rates.filter((r) => cell.median?.[`skipped@${r}`] === 1);
    if (workload === 'W2' && skipped.length > 0) {
      out.push(
        '',
        `- ${PEER_LABEL[cell.engine]}: ${skipped.join(', ')}/s not run — a lower rate already missed p99 < 1 s.`,
      );
    }
    if (cell.unsupported !== undefined)
      out.push('', `- ${PEER_LABEL[cell.engine]}: not run — ${cell.unsupported}.`);
    for (const note of cell.notes) out.push('', `- ${PEER_LABEL[cell.engine]}: ${note}.`);
    const starts = describeRunStarts(cell.starts ?? []);
    if (starts !== undefined) out.push('', `- ${PEER_LABEL[cell.engine]}: ${starts}.`);
    if (cell.errors.length > 0)
      out.push('', `- ${PEER_LABEL[cell.engine]}: ${cell.errors.length} run(s) failed: ${cell.errors[0]}`);
  }
  out.push('');
  return out;
}

function sizeLine(workload: WorkloadName, s: Sizes): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  switch (workload) {
    case 'W1':
      return `${n(s.w1Timers)} timers.`;
    case 'W2':
      return `Rates ${s.w2Rates.map(n).join(', ')}/s for ${s.w2Seconds} s each, created ${s.w2LeadMs} ms ahead.`;
    case 'W3':
      return `${n(s.w3Jobs)} jobs on \`*/5 * * * * *\` (then with \`CRON_TZ=Europe/Berlin\`), measured over ${s.w3Seconds} s after a warm-up period.`;
    case 'W4':
      return `${n(s.w4Workflows)} instances of each shape.`;
    case 'W5':
      return `1 × ${n(s.w5Single)} activities, then ${n(s.w5Many.workflows)} workflows × ${n(s.w5Many.activities)} activities.`;
    case 'W6':
      return `${n(s.w6Steps)} steps with tickflow's executor cache on (Restate: the same workflow), ${n(s.w6StepsCacheOff)} with it off.`;
    case 'W7':
      return `${n(s.w7Timers)} timers (Restate: ${n(s.w7TimersRestate)}).`;
    case 'W8':
      return (
        `${n(s.w8.replicas)} replica processes, one etcd; ${n(s.w8.jobs)} cron jobs on \`@every ${s.w8.cronPeriodSeconds}s\` ` +
        `(${n(s.w8.jobs / s.w8.cronPeriodSeconds)} triggers/s) and ${n(s.w8.workflows)} workflows, each looping a ` +
        `${s.w8.timerSeconds} s durable timer then an activity; ${s.w8.warmupSeconds} s warm-up, ` +
        `${s.w8.beforeSeconds} s, the kill, ${s.w8.afterSeconds} s; lease TTL ${s.w8.leaseTtlSeconds} s. ` +
        "Phases by due time; a tick's lateness is that of its first delivery."
      );
  }
}

function cellText(cell: Cell, metric: MetricInfo): string {
  if (cell.unsupported !== undefined) return 'n/a';
  const value = cell.median?.[metric.key];
  if (value === undefined || Number.isNaN(value)) return cell.runs.length === 0 ? 'failed' : '–';
  return formatCell(value, metric.digits ?? (Math.abs(value) < 10 && !Number.isInteger(value) ? 2 : 0));
}

function ratioText(tick: Cell, peer: Cell | undefined, metric: MetricInfo): string {
  const a = tick.median?.[metric.key];
  const b = peer?.median?.[metric.key];
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || metric.better === 'info')
    return '';
  if (b === 0) return a === 0 ? '= ✓' : metric.better === 'lower' ? '✗' : '✓';
  const ratio = a / b;
  const good = metric.better === 'higher' ? ratio >= 1 : ratio <= 1;
  return `${formatCell(ratio, ratio < 10 ? 2 : 0)}× ${good ? '✓' : '✗'}`;
}

function profileSection(cells: Cell[]): string[] {
  const profiled = cells.filter((c) => c.engine === 'tickflow' && c.profile);
  if (profiled.length === 0) return [];
  const out = ['## Where tickflow spends its CPU (sampling profile of the benchmark process, first run)', ''];
  for (const cell of profiled) {
    const p = cell.profile;
    if (!p) continue;
    out.push(`### ${cell.workload} — ${formatCell(p.totalMs, 0)} ms busy`, '');
    out.push('| file | self ms | share |', '| --- | ---: | ---: |');
    for (const f of p.byFile.slice(0, 10))
      out.push(`| ${f.file} | ${formatCell(f.selfMs, 0)} | ${formatCell(f.share * 100, 1)} % |`);
    out.push('', '| function | self ms | share |', '| --- | ---: | ---: |');
    for (const f of p.top.slice(0, 10))
      out.push(`| \`${f.name}\` | ${formatCell(f.selfMs, 0)} | ${formatCell(f.share * 100, 1)} % |`);
    out.push('');
  }
  return out;
}
