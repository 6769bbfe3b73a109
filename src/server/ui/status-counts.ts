import { parsePrometheusText } from './prometheus-text.js';

/** `GET /v1.0/ui/workflows/counts`: instances in the scope by status. */
export interface StatusCounts {
  /** Status → instances with it; statuses without any are left out. */
  counts: Record<string, number>;
  /** RUNNING instances whose step stalls (counted among RUNNING too). */
  stalled: number;
  /** True when the scope holds more instances than the count reads (see docs/dashboard.md). */
  truncated: boolean;
}

/**
 * The instance counts of a `/metrics` text. They are the gauges `tickflow_workflow_instances`,
 * `..._stalled` and `..._truncated`, which the server counts from etcd at most every 5 s and up to
 * 100,000 instances (src/server/server-metrics.ts): the dashboard shares that bounded, cached scan
 * instead of running one of its own per page view.
 */
export function statusCountsOf(metricsText: string): StatusCounts {
  const counts: Record<string, number> = {};
  let stalled = 0;
  let truncated = false;
  for (const s of parsePrometheusText(metricsText)) {
    if (s.name === 'tickflow_workflow_instances') {
      const status = s.labels['status'];
      if (status !== undefined && s.value > 0) counts[status] = s.value;
    } else if (s.name === 'tickflow_workflow_instances_stalled') stalled = s.value;
    else if (s.name === 'tickflow_workflow_instances_truncated') truncated = s.value === 1;
  }
  return { counts, stalled, truncated };
}
