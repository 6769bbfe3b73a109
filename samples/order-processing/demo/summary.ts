import type { HistoryEvent } from '../../../src/index.js';
import { ORDER_OUTCOMES } from '../types.js';
import type { LiveState, TrackedOrder } from './tracker.js';

export interface OutcomeRow {
  outcome: LiveState;
  count: number;
  /** Milliseconds from submission to the end, median over the orders with this outcome. */
  medianMs: number;
  /** Activity attempts past the first, summed over the orders. */
  retries: number;
}

export interface DemoSummary {
  orders: number;
  outcomes: Record<string, number>;
  rows: OutcomeRow[];
  retries: number;
  elapsedMs: number;
  seed: number;
  /** Instances of the other sample workflows the demo ran alongside the orders. */
  bulkOrders?: { batchId: string; orders: number };
  subscription: { renewals: number; generation: number };
  billingRuns: number;
}

/** Retries an order used: every `TaskScheduled` beyond an activity's first attempt. */
export function retriesIn(history: readonly HistoryEvent[]): number {
  return history.filter((e) => e.type === 'TaskScheduled' && (e.attempt ?? 1) > 1).length;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** One row per outcome (every business outcome, plus 'error' if a workflow itself failed). */
export function outcomeRows(
  orders: readonly TrackedOrder[],
  retries: ReadonlyMap<string, number>,
): OutcomeRow[] {
  const outcomes: LiveState[] = [...ORDER_OUTCOMES];
  if (orders.some((o) => o.state === 'error')) outcomes.push('error');
  return outcomes.map((outcome) => {
    const matching = orders.filter((o) => o.state === outcome);
    const durations = matching.flatMap((o) =>
      o.createdAt && o.finishedAt ? [o.finishedAt.getTime() - o.createdAt.getTime()] : [],
    );
    return {
      outcome,
      count: matching.length,
      medianMs: median(durations),
      retries: matching.reduce((sum, o) => sum + (retries.get(o.id) ?? 0), 0),
    };
  });
}

/** The summary as a table for people. */
export function formatTable(rows: readonly OutcomeRow[]): string {
  const header = ['outcome', 'orders', 'median time', 'retries'];
  const body = rows.map((r) => [
    r.outcome,
    String(r.count),
    r.count ? `${(r.medianMs / 1000).toFixed(2)} s` : '-',
    String(r.retries),
  ]);
  const total = [
    'total',
    String(rows.reduce((s, r) => s + r.count, 0)),
    '',
    String(rows.reduce((s, r) => s + r.retries, 0)),
  ];
  const all = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ');
  const rule = widths.map((w) => '─'.repeat(w)).join('───');
  return [line(header), rule, ...body.map(line), rule, line(total)].join('\n');
}
