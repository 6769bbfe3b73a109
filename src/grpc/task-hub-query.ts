import type { ListWorkflowsQuery } from '../runtime/client-core.js';
import { WorkflowValidationError } from '../runtime/workflow-errors.js';
import type { InstanceQuery, PurgeInstanceFilter } from './task-hub-messages.js';
import { fromStatusFilter } from './task-hub-status.js';
import { fromTimestamp, optionalString } from './task-hub-wire.js';

/**
 * `QueryInstances`' query as a `listWorkflows` query: statuses, creation times, page size and
 * continuation token (the listing's own, passed through). The filters the listing cannot apply
 * are refused rather than ignored, so that a caller never takes an unfiltered page for a
 * filtered one: `instanceIdPrefix` (the listing filters by name, not id) and `taskHubNames`
 * (tickflow has one task hub per app id, which the server is already bound to).
 */
export function toListQuery(query: InstanceQuery | undefined): ListWorkflowsQuery {
  if (!query) return {};
  const idPrefix = optionalString(query.instanceIdPrefix);
  if (idPrefix !== undefined) {
    throw new WorkflowValidationError(
      'query.instanceIdPrefix',
      idPrefix,
      'none: tickflow lists by status and creation time only',
    );
  }
  const hubs = (query.taskHubNames ?? []).flatMap((name) => optionalString(name) ?? []);
  if (hubs.length > 0) {
    throw new WorkflowValidationError(
      'query.taskHubNames',
      hubs,
      'none: a tickflow server serves one task hub, its app id',
    );
  }
  const from = fromTimestamp(query.createdTimeFrom);
  const to = fromTimestamp(query.createdTimeTo);
  const token = optionalString(query.continuationToken);
  const statuses = query.runtimeStatus ?? [];
  return {
    ...(statuses.length > 0 && { status: fromStatusFilter('query.runtimeStatus', statuses) }),
    ...(from && { createdFrom: from }),
    ...(to && { createdTo: to }),
    // Absent (0, proto3's "not set"): the listing's default page size.
    ...(query.maxInstanceCount !== undefined &&
      query.maxInstanceCount !== 0 && { pageSize: query.maxInstanceCount }),
    ...(token !== undefined && { continuationToken: token }),
  };
}

/**
 * A purge filter as a `listWorkflows` query for the instances it may purge: those it names that
 * have finished (COMPLETED, FAILED, TERMINATED), as purging by filter leaves unfinished ones
 * alone in the Durable Task Framework too.
 */
export function toPurgeQuery(filter: PurgeInstanceFilter): ListWorkflowsQuery {
  const finished = ['COMPLETED', 'FAILED', 'TERMINATED'] as const;
  const statuses = filter.runtimeStatus ?? [];
  const named = new Set(fromStatusFilter('purgeInstanceFilter.runtimeStatus', statuses));
  const from = fromTimestamp(filter.createdTimeFrom);
  const to = fromTimestamp(filter.createdTimeTo);
  return {
    status: statuses.length === 0 ? [...finished] : finished.filter((s) => named.has(s)),
    ...(from && { createdFrom: from }),
    ...(to && { createdTo: to }),
  };
}
