import type { ListWorkflowsPage, ListWorkflowsQuery } from '../../runtime/client-core.js';
import type { WorkflowState } from '../../runtime/instances/workflow-state-view.js';
import { matchesFilter, type WorkflowFilter } from './workflow-filter.js';

/** Records read from etcd per listing call. */
const CHUNK = 200;

/** What the scan needs: the client's listing and how to resume after an instance id. */
export interface ListingSource {
  list(query: ListWorkflowsQuery): Promise<ListWorkflowsPage>;
  /**
   * The continuation token that resumes the listing right after `instanceId`. The listing's
   * tokens are the etcd keys of instance records, in id order; the dashboard needs to resume in
   * the middle of a chunk and to start an id-prefix search at the prefix.
   */
  tokenAfter(instanceId: string): string;
}

/** One page of the dashboard's workflow list. */
export interface BoundedPage {
  instances: WorkflowState[];
  /** Resume here for the next page; absent when the listing is done. */
  continuationToken?: string;
  /** Records examined for this page (at most the scan limit). */
  scanned: number;
}

/**
 * Up to `pageSize` instances that pass `filter`, examining at most `scanLimit` records, so one
 * request costs a bounded number of etcd reads however selective the filter (the client's own
 * filtered listing reads on until its page is full, which may be the whole scope). A page may
 * therefore hold fewer than `pageSize` instances and still carry a token. An id prefix starts the
 * scan at the prefix and ends it past the ids that have it, as ids are listed in order.
 */
export async function listBounded(
  source: ListingSource,
  filter: WorkflowFilter,
  options: { pageSize: number; scanLimit: number; continuationToken?: string },
): Promise<BoundedPage> {
  const instances: WorkflowState[] = [];
  let token = options.continuationToken ?? startToken(source, filter.idPrefix);
  let scanned = 0;
  for (;;) {
    const page = await source.list({
      pageSize: Math.min(CHUNK, options.scanLimit - scanned),
      ...(token !== undefined && { continuationToken: token }),
    });
    const last = page.instances.length - 1;
    for (const [i, state] of page.instances.entries()) {
      scanned++;
      const id = state.instanceId;
      if (filter.idPrefix !== undefined && id > filter.idPrefix && !id.startsWith(filter.idPrefix)) {
        return { instances, scanned };
      }
      if (matchesFilter(state, filter)) instances.push(state);
      const more = i < last || page.continuationToken !== undefined;
      if (instances.length === options.pageSize || scanned >= options.scanLimit) {
        return more
          ? { instances, continuationToken: source.tokenAfter(id), scanned }
          : { instances, scanned };
      }
    }
    if (page.continuationToken === undefined) return { instances, scanned };
    token = page.continuationToken;
  }
}

/**
 * A token that sorts just before every id with `prefix`: the prefix with its last character
 * replaced by the one before it and `~` (after every character ids may hold) appended. Ids in
 * between cannot have the prefix, and the scan skips them by the filter.
 */
function startToken(source: ListingSource, prefix: string | undefined): string | undefined {
  if (prefix === undefined) return undefined;
  const lastCode = prefix.charCodeAt(prefix.length - 1);
  return source.tokenAfter(`${prefix.slice(0, -1)}${String.fromCharCode(lastCode - 1)}~`);
}
