import { WorkflowValidationError } from '../runtime/workflow-errors.js';

/** RFC 3339 (Dapr's `dapr.workflow.start_time`): a date, a time, and `Z` or an offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const ALLOWED = 'an RFC 3339 timestamp with Z or an offset, e.g. 2026-12-03T09:00:00Z';

/**
 * The `startTime` query parameter of a workflow start: when the instance's first step runs (it is
 * PENDING until then). Dapr's SDKs call it the start time (`startTime`, `start_at`) and its
 * runtime reads it as an RFC 3339 string; Dapr's own HTTP route has no way to pass it, so
 * tickflow takes it as a query parameter. A time in the past starts at once. Empty means none.
 */
export function startTimeFromQuery(value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const at = RFC3339.test(value) ? new Date(value.replace(' ', 'T')) : undefined;
  if (at === undefined || Number.isNaN(at.getTime()) || !isCalendarDate(value)) {
    throw new WorkflowValidationError('startTime', value, ALLOWED);
  }
  return at;
}

/** `Date` rolls 2026-02-30 over into March; a start time must name a day that exists. */
function isCalendarDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}
