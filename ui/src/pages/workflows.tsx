import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query, type StatusCounts, type WorkflowPage } from '../api';
import { ErrorBox, StatusBadge } from '../components/common';
import { brief, formatTime, localInputToIso, relative } from '../format';
import { usePoll, useNow } from '../hooks';
import { href, type Route } from '../route';

const STATUSES = ['RUNNING', 'PENDING', 'SUSPENDED', 'COMPLETED', 'FAILED', 'TERMINATED'];
const LIVE_MS = 3000;

/** The filters, as the hash holds them (`#/workflows?status=FAILED&name=order`). */
interface Filters {
  name: string;
  idPrefix: string;
  /** A status, or `STALLED`, or '' for all. */
  status: string;
  from: string;
  to: string;
  pageSize: string;
}

function filtersOf(params: URLSearchParams): Filters {
  return {
    name: params.get('name') ?? '',
    idPrefix: params.get('idPrefix') ?? '',
    status: params.get('status') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    pageSize: params.get('pageSize') ?? '25',
  };
}

function paramsOf(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== '' && !(k === 'pageSize' && v === '25')) p.set(k, v);
  return p;
}

/** Workflow instances: counts by status, filters, server-side pages, live updates. */
export function WorkflowsPage({ route }: { route: Route }) {
  const filters = filtersOf(route.params);
  const [draft, setDraft] = useState<Filters>(filters);
  const [live, setLive] = useState(true);
  // Tokens of the pages before this one, to go back; the current page's token is last.
  const [tokens, setTokens] = useState<string[]>([]);
  const now = useNow();
  const key = paramsOf(filters).toString();
  // The hash changed: back/forward or a link sets the form from it; our own apply already did.
  const applied = useRef(key);
  useEffect(() => {
    if (key !== applied.current) setDraft(filtersOf(route.params));
    applied.current = key;
    setTokens([]);
  }, [key]);
  const token = tokens.at(-1);
  const q = query({
    name: filters.name,
    idPrefix: filters.idPrefix,
    status: filters.status === 'STALLED' ? 'RUNNING' : filters.status,
    stalled: filters.status === 'STALLED' ? 'true' : undefined,
    createdFrom: localInputToIso(filters.from),
    createdTo: localInputToIso(filters.to),
    pageSize: filters.pageSize,
    continuationToken: token,
  });
  const list = usePoll(() => api<WorkflowPage>('GET', `/v1.0/ui/workflows${q}`), q, live ? LIVE_MS : 0);
  const counts = usePoll(
    () => api<StatusCounts>('GET', '/v1.0/ui/workflows/counts'),
    'counts',
    live ? 5000 : 0,
  );

  const apply = (next: Filters): void => {
    setTokens([]);
    applied.current = paramsOf(next).toString();
    location.hash = href('workflows', undefined, paramsOf(next));
  };
  const page = list.data;
  const total = counts.data ? Object.values(counts.data.counts).reduce((a, b) => a + b, 0) : undefined;

  return (
    <div class="page">
      <div class="page-head">
        <h1>Workflows</h1>
        <label class="toggle">
          <input
            type="checkbox"
            checked={live}
            onChange={(e) => setLive((e.target as HTMLInputElement).checked)}
          />{' '}
          live
        </label>
      </div>
      {route.params.get('purged') !== null ? (
        <p class="notice" data-testid="notice">
          Instance <span class="mono">{route.params.get('purged')}</span> purged.
        </p>
      ) : null}
      <div class="counts" data-testid="status-counts">
        <button
          type="button"
          class={`count ${filters.status === '' ? 'active' : ''}`}
          onClick={() => apply({ ...filters, status: '' })}
        >
          <span class="count-n">{total ?? '…'}</span> all
        </button>
        {STATUSES.map((s) => (
          <button
            type="button"
            key={s}
            class={`count status-${s.toLowerCase()} ${filters.status === s ? 'active' : ''}`}
            onClick={() => apply({ ...filters, status: s })}
            data-status={s}
          >
            <span class="count-n">{counts.data?.counts[s] ?? 0}</span> {s.toLowerCase()}
          </button>
        ))}
        <button
          type="button"
          class={`count status-stalled ${filters.status === 'STALLED' ? 'active' : ''}`}
          onClick={() => apply({ ...filters, status: 'STALLED' })}
          data-status="STALLED"
        >
          <span class="count-n">{counts.data?.stalled ?? 0}</span> stalled
        </button>
        {counts.data?.truncated ? <span class="muted">(counted up to 100,000)</span> : null}
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <label>
          Name starts with
          <input
            name="name"
            value={draft.name}
            onInput={(e) => setDraft({ ...draft, name: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          Id starts with
          <input
            name="idPrefix"
            value={draft.idPrefix}
            onInput={(e) => setDraft({ ...draft, idPrefix: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          Status
          <select
            name="status"
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: (e.target as HTMLSelectElement).value })}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            <option value="STALLED">RUNNING, stalled</option>
          </select>
        </label>
        <label>
          Created from
          <input
            type="datetime-local"
            step="1"
            name="from"
            value={draft.from}
            onInput={(e) => setDraft({ ...draft, from: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          Created to
          <input
            type="datetime-local"
            step="1"
            name="to"
            value={draft.to}
            onInput={(e) => setDraft({ ...draft, to: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          Per page
          <select
            name="pageSize"
            value={draft.pageSize}
            onChange={(e) => setDraft({ ...draft, pageSize: (e.target as HTMLSelectElement).value })}
          >
            {['10', '25', '50', '100', '200'].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <div class="filter-actions">
          <button type="submit" class="primary">
            Apply
          </button>
          <button
            type="button"
            onClick={() => {
              const empty = filtersOf(new URLSearchParams());
              setDraft(empty);
              apply(empty);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorBox error={list.error} />
      <div class="table-wrap">
        <table class="list" data-testid="workflow-table">
          <thead>
            <tr>
              <th>Instance</th>
              <th>Workflow</th>
              <th>Status</th>
              <th>Created</th>
              <th>Updated</th>
              <th class="wide">Custom status</th>
            </tr>
          </thead>
          <tbody>
            {page?.instances.map((w) => (
              <tr key={w.instanceID} data-instance={w.instanceID}>
                <td class="mono">
                  <a href={href('instance', w.instanceID)}>{w.instanceID}</a>
                </td>
                <td>{w.workflowName}</td>
                <td>
                  <StatusBadge status={w.runtimeStatus} stalled={w.stalled !== undefined} />
                </td>
                <td title={w.createdAt}>{formatTime(w.createdAt)}</td>
                <td title={w.lastUpdatedAt}>{relative(w.lastUpdatedAt, now)}</td>
                <td class="mono wide">{brief(w.customStatus)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page && page.instances.length === 0 ? (
        <p class="muted">
          {page.continuationToken
            ? `No match among the ${page.scanned} instances scanned; more follow.`
            : 'No instances match.'}
        </p>
      ) : null}
      <div class="pager">
        <button type="button" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
          ← Previous
        </button>
        <span class="muted">
          page {tokens.length + 1}
          {page ? ` · ${page.instances.length} shown · ${page.scanned} scanned` : ''}
          {list.loading ? ' · loading…' : ''}
        </span>
        <button
          type="button"
          disabled={page?.continuationToken === undefined}
          data-testid="next-page"
          onClick={() =>
            page?.continuationToken !== undefined && setTokens([...tokens, page.continuationToken])
          }
        >
          Next →
        </button>
      </div>
    </div>
  );
}
