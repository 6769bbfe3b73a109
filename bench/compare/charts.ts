/** The report's charts: fire rate and lateness per engine (W1, W2), workflows/s per engine (W4). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cell } from './runner.js';
import { renderBarChart, type ChartGroup } from './svg.js';
import type { EngineName, Sizes, WorkloadName } from './types.js';

const LABEL: Record<EngineName, string> = {
  tickflow: 'tickflow',
  'bullmq-everysec': 'BullMQ (AOF everysec)',
  'bullmq-always': 'BullMQ (AOF always)',
  restate: 'Restate',
};

function group(cells: Cell[], workload: WorkloadName, key: string, label: string): ChartGroup {
  return {
    label,
    bars: cells
      .filter((c) => c.workload === workload && c.unsupported === undefined)
      .map((c) => ({ series: LABEL[c.engine], value: c.median?.[key] })),
  };
}

/** Writes the charts that have data into `dir`; returns their file names. */
export async function writeCharts(
  dir: string,
  cells: Cell[],
  sizes: Sizes,
  prefix: string,
): Promise<string[]> {
  const written: string[] = [];
  const emit = async (name: string, svg: string, groups: ChartGroup[]): Promise<void> => {
    if (!groups.some((g) => g.bars.some((b) => b.value !== undefined && !Number.isNaN(b.value)))) return;
    await writeFile(join(dir, prefix + name), svg);
    written.push(prefix + name);
  };
  const n = sizes.w1Timers.toLocaleString('en-US');
  const fire = [
    group(cells, 'W1', 'firedPerSec', 'fired/s'),
    group(cells, 'W1', 'createPerSec', 'created/s'),
  ];
  await emit(
    'w1-fire-rate.svg',
    renderBarChart({
      title: `W1: ${n} timers due at one instant`,
      unit: 'timers per second',
      note: 'higher is better',
      groups: fire,
    }),
    fire,
  );
  const late = [
    group(cells, 'W1', 'lateP50', 'W1 p50'),
    group(cells, 'W1', 'lateP99', 'W1 p99'),
    ...sizes.w2Rates.map((r) => group(cells, 'W2', `p99@${r}`, `W2 ${r.toLocaleString('en-US')}/s p99`)),
  ];
  await emit(
    'lateness.svg',
    renderBarChart({
      title: 'Timer lateness (delivery − due time)',
      unit: 'milliseconds',
      log: true,
      note: 'lower is better',
      groups: late,
    }),
    late,
  );
  const wf = [
    group(cells, 'W4', 'hello5.workflowsPerSec', '5 steps'),
    group(cells, 'W4', 'timer3.workflowsPerSec', '3 steps + 1 s timer'),
    group(
      cells,
      'W5',
      'many.workflowsPerSec',
      `W5 ${sizes.w5Many.workflows}×${sizes.w5Many.activities} fan-out`,
    ),
  ];
  await emit(
    'w4-workflows.svg',
    renderBarChart({
      title: `Workflows per second (${sizes.w4Workflows.toLocaleString('en-US')} started at once)`,
      unit: 'workflows per second',
      note: 'higher is better',
      groups: wf,
    }),
    wf,
  );
  return written;
}
