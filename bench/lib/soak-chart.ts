import { renderLineCharts } from './line-chart.js';

/** One row of the soak benchmark: one sampling period. */
export interface SoakRow {
  minute: number;
  replicaRssMiB: number[];
  etcdRssMiB: number;
  dbSizeMiB: number;
  dbInUseMiB: number;
  cronPerSec: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
  wfStarted: number;
  wfCompleted: number;
  wfBacklog: number;
  defrags: number;
}

/** RSS, backend size and lateness over the run, one panel each (bench/results/soak-latest.svg). */
export function renderSoakChart(title: string, rows: readonly SoakRow[]): string {
  const replicas = Math.max(0, ...rows.map((r) => r.replicaRssMiB.length));
  return renderLineCharts(
    title,
    rows.map((r) => r.minute),
    [
      {
        title: 'RSS (MiB)',
        series: [
          ...Array.from({ length: replicas }, (_, i) => ({
            name: `replica ${i}`,
            values: rows.map((r) => r.replicaRssMiB[i] ?? Number.NaN),
          })),
          { name: 'etcd', values: rows.map((r) => r.etcdRssMiB) },
        ],
      },
      {
        title: 'etcd backend (MiB)',
        series: [
          { name: 'db size', values: rows.map((r) => r.dbSizeMiB) },
          { name: 'in use', values: rows.map((r) => r.dbInUseMiB) },
        ],
      },
      {
        title: 'trigger lateness (ms)',
        series: [
          { name: 'p50', values: rows.map((r) => r.latenessP50Ms) },
          { name: 'p99', values: rows.map((r) => r.latenessP99Ms) },
        ],
      },
    ],
  );
}
