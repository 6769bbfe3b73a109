import { WorkflowRuntimeStatus } from '../../history/status.js';
import type { WorkflowState } from '../../runtime/instances/workflow-state-view.js';
import { ApiError, ErrorCode } from '../api-error.js';

/** The dashboard's workflow filters; every one given must match. */
export interface WorkflowFilter {
  statuses?: ReadonlySet<WorkflowRuntimeStatus>;
  /** Workflow name prefix. */
  namePrefix?: string;
  stalled?: boolean;
  /** Instance id prefix. */
  idPrefix?: string;
  /** Created at or after (ms since the epoch). */
  createdFrom?: number;
  /** Created at or before (ms since the epoch). */
  createdTo?: number;
}

/** The query string of `GET /v1.0/ui/workflows`, as Fastify hands it over (strings only). */
export interface WorkflowFilterQuery {
  status?: string;
  name?: string;
  stalled?: string;
  idPrefix?: string;
  createdFrom?: string;
  createdTo?: string;
}

const STATUSES = Object.values(WorkflowRuntimeStatus);
/** The characters of an instance id (src/runtime/instances/instance-keys.ts). */
const ID_PREFIX = /^[A-Za-z0-9_.:@-]{1,200}$/;
const NAME_MAX = 256;

/** Reads the filters of a query; a bad one is a 400 naming the field and what is allowed. */
export function parseWorkflowFilter(query: WorkflowFilterQuery): WorkflowFilter {
  const filter: WorkflowFilter = {};
  if (query.status !== undefined && query.status !== '') {
    filter.statuses = new Set(
      query.status.split(',').map((part) => {
        const status = STATUSES.find((s) => s === part.trim().toUpperCase());
        if (!status) throw bad('status', part, `a comma-separated list of ${STATUSES.join(', ')}`);
        return status;
      }),
    );
  }
  if (query.name !== undefined && query.name !== '') {
    if (query.name.length > NAME_MAX) throw bad('name', query.name, `at most ${NAME_MAX} characters`);
    filter.namePrefix = query.name;
  }
  if (query.stalled !== undefined && query.stalled !== '') {
    if (query.stalled !== 'true' && query.stalled !== 'false')
      throw bad('stalled', query.stalled, 'true or false');
    filter.stalled = query.stalled === 'true';
  }
  if (query.idPrefix !== undefined && query.idPrefix !== '') {
    if (!ID_PREFIX.test(query.idPrefix)) {
      throw bad('idPrefix', query.idPrefix, "1-200 characters of letters, digits, '_', '.', ':', '@' or '-'");
    }
    filter.idPrefix = query.idPrefix;
  }
  for (const field of ['createdFrom', 'createdTo'] as const) {
    const text = query[field];
    if (text === undefined || text === '') continue;
    const at = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at)) {
      throw bad(field, text, 'an ISO 8601 time, e.g. 2026-12-03T09:00:00Z');
    }
    filter[field] = at;
  }
  return filter;
}

/** Whether an instance passes every filter. */
export function matchesFilter(state: WorkflowState, filter: WorkflowFilter): boolean {
  const created = state.createdAt.getTime();
  return (
    (filter.statuses === undefined || filter.statuses.has(state.runtimeStatus)) &&
    (filter.namePrefix === undefined || state.name.startsWith(filter.namePrefix)) &&
    (filter.stalled === undefined || (state.stalled !== undefined) === filter.stalled) &&
    (filter.idPrefix === undefined || state.instanceId.startsWith(filter.idPrefix)) &&
    (filter.createdFrom === undefined || created >= filter.createdFrom) &&
    (filter.createdTo === undefined || created <= filter.createdTo)
  );
}

function bad(field: string, value: string, allowed: string): ApiError {
  return new ApiError(
    400,
    ErrorCode.malformedRequest,
    `invalid ${field} ${JSON.stringify(value)}: ${allowed}`,
    {
      field,
      allowed,
    },
  );
}
