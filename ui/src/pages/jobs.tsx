import { useEffect, useState } from 'preact/hooks';
import { api, query, type Job } from '../api';
import { ConfirmButton, ErrorBox, Facts, Panel } from '../components/common';
import { brief, formatTime, relative } from '../format';
import { usePoll, useNow } from '../hooks';
import { href, type Route } from '../route';

const PAGE = 50;

/** The failure policy in a few words. */
function policyText(policy: unknown): string {
  if (policy === undefined || policy === null) return '';
  if (typeof policy !== 'object') return String(policy);
  const p = policy as { drop?: unknown; constant?: { interval?: string; maxRetries?: number } };
  if (p.drop !== undefined) return 'drop';
  if (p.constant) {
    const max = p.constant.maxRetries;
    return `constant ${p.constant.interval ?? ''}${max === undefined ? ', unlimited' : `, ${max} retries`}`;
  }
  return brief(policy, 40);
}

/** Where a job's ticks go: the app (`POST /job/{name}`), or the target the API shows. */
function targetText(target: unknown): string {
  return target === undefined ? 'the app' : brief(target, 60);
}

/** Jobs scheduled through the Jobs API: list by prefix, create. */
export function JobsPage({ route }: { route: Route }) {
  const prefix = route.params.get('prefix') ?? '';
  const deleted = route.params.get('deleted');
  const [draft, setDraft] = useState(prefix);
  const [afters, setAfters] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const now = useNow();
  useEffect(() => {
    setDraft(prefix);
    setAfters([]);
  }, [prefix]);
  const q = query({ prefix, limit: PAGE, after: afters.at(-1) });
  const list = usePoll(() => api<{ jobs: Job[]; next?: string }>('GET', `/v1.0/jobs${q}`), q, 5000);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Jobs</h1>
        <button type="button" class="primary" data-testid="new-job" onClick={() => setCreating(!creating)}>
          {creating ? 'Close' : 'New job'}
        </button>
      </div>
      {deleted !== null ? (
        <p class="notice" data-testid="notice">
          Job <span class="mono">{deleted}</span> deleted.
        </p>
      ) : null}
      {creating ? (
        <CreateJob
          onCreated={(name) => {
            setCreating(false);
            location.hash = href('jobs', name);
          }}
        />
      ) : null}
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const p = new URLSearchParams();
          if (draft !== '') p.set('prefix', draft);
          location.hash = href('jobs', undefined, p);
        }}
      >
        <label>
          Name starts with
          <input
            name="prefix"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          />
        </label>
        <div class="filter-actions">
          <button type="submit" class="primary">
            List
          </button>
        </div>
      </form>
      <ErrorBox error={list.error} />
      <div class="table-wrap">
        <table class="list" data-testid="jobs-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Schedule</th>
              <th>Next fire</th>
              <th />
              <th>Delivered</th>
              <th>Repeats</th>
              <th>Failure policy</th>
              <th>Target</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.jobs.map((j) => (
              <tr key={j.name} data-job={j.name}>
                <td class="mono">
                  <a href={href('jobs', j.name)}>{j.name}</a>
                </td>
                <td class="mono">{j.schedule ?? (j.dueTime !== undefined ? `once at ${j.dueTime}` : '')}</td>
                <td title={j.nextFireAt}>{formatTime(j.nextFireAt)}</td>
                <td>{relative(j.nextFireAt, now)}</td>
                <td>{j.count ?? 0}</td>
                <td>{j.repeats ?? ''}</td>
                <td>{policyText(j.failurePolicy)}</td>
                <td class="mono">{targetText(j.target)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data && list.data.jobs.length === 0 ? (
        <p class="muted">No jobs{prefix ? ` starting with ${prefix}` : ''}.</p>
      ) : null}
      <div class="pager">
        <button type="button" disabled={afters.length === 0} onClick={() => setAfters(afters.slice(0, -1))}>
          ← Previous
        </button>
        <span class="muted">page {afters.length + 1}</span>
        <button
          type="button"
          disabled={list.data?.next === undefined}
          onClick={() => list.data?.next !== undefined && setAfters([...afters, list.data.next])}
        >
          Next →
        </button>
      </div>
    </div>
  );
}

/** The create form: the fields of Dapr's job body; the server checks them and names a bad one. */
function CreateJob({ onCreated }: { onCreated: (name: string) => void }) {
  const [f, setF] = useState({
    name: '',
    schedule: '',
    dueTime: '',
    repeats: '',
    ttl: '',
    data: '',
    policy: '',
  });
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const field = (k: keyof typeof f, label: string, placeholder: string, textarea = false) => (
    <label class="stack">
      {label}
      {textarea ? (
        <textarea
          name={k}
          rows={3}
          placeholder={placeholder}
          value={f[k]}
          onInput={(e) => setF({ ...f, [k]: (e.target as HTMLTextAreaElement).value })}
        />
      ) : (
        <input
          name={k}
          placeholder={placeholder}
          value={f[k]}
          onInput={(e) => setF({ ...f, [k]: (e.target as HTMLInputElement).value })}
        />
      )}
    </label>
  );
  const submit = async (): Promise<void> => {
    setError(undefined);
    const body: Record<string, unknown> = {};
    if (f.schedule !== '') body['schedule'] = f.schedule;
    if (f.dueTime !== '') body['dueTime'] = f.dueTime;
    if (f.ttl !== '') body['ttl'] = f.ttl;
    if (f.repeats !== '') {
      const n = Number(f.repeats);
      if (!Number.isInteger(n)) throw new Error('Repeats must be a whole number.');
      body['repeats'] = n;
    }
    for (const [key, text, what] of [
      ['data', f.data, 'Data'],
      ['failurePolicy', f.policy, 'The failure policy'],
    ] as const) {
      if (text.trim() === '') continue;
      try {
        body[key] = JSON.parse(text);
      } catch {
        throw new Error(`${what} is not JSON.`);
      }
    }
    if (f.name.trim() === '') throw new Error('The job needs a name.');
    await api('POST', `/v1.0/jobs/${encodeURIComponent(f.name.trim())}`, body);
    onCreated(f.name.trim());
  };
  return (
    <Panel title="New job">
      <form
        class="create"
        data-testid="create-job"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          submit()
            .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
            .finally(() => setBusy(false));
        }}
      >
        {field('name', 'Name', 'nightly-report')}
        {field('schedule', 'Schedule', '@every 1m, 0 0 9 * * MON-FRI, or empty')}
        {field('dueTime', 'Due time', '30s, 2026-12-24T18:00:00Z, or empty')}
        {field('repeats', 'Repeats', 'empty: until the schedule ends')}
        {field('ttl', 'Time to live', '1h, or empty')}
        {field('data', 'Data (JSON)', '{"report": "daily"}', true)}
        {field(
          'policy',
          'Failure policy (JSON)',
          '{"constant": {"interval": "5s", "maxRetries": 3}} or {"drop": {}}',
          true,
        )}
        {error !== undefined ? <div class="error">{error}</div> : null}
        <div class="filter-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Scheduling…' : 'Schedule'}
          </button>
        </div>
      </form>
    </Panel>
  );
}

/** One job: all its fields, and delete. */
export function JobPage({ name }: { name: string }) {
  const now = useNow();
  const job = usePoll(() => api<Job>('GET', `/v1.0/jobs/${encodeURIComponent(name)}`), name, 5000);
  const j = job.data;
  return (
    <div class="page">
      <div class="page-head">
        <h1 class="mono">{name}</h1>
        <a href={href('jobs')}>All jobs</a>
      </div>
      <ErrorBox error={job.error} />
      {j ? (
        <>
          <div class="actions">
            <ConfirmButton
              label="Delete"
              danger
              title={`Delete job ${name}?`}
              message="Its remaining ticks never fire. This cannot be undone."
              testId="delete-job"
              action={async () => {
                await api('DELETE', `/v1.0/jobs/${encodeURIComponent(name)}`);
                // Leave the page: it would poll a job that is gone.
                location.hash = href('jobs', undefined, new URLSearchParams({ deleted: name }));
              }}
            />
          </div>
          <div class="grid">
            <Panel title="Job">
              <Facts
                rows={[
                  ['Schedule', j.schedule ?? '—'],
                  ['Due time', j.dueTime ?? '—'],
                  ['Repeats', j.repeats === undefined ? '—' : String(j.repeats)],
                  ['Time to live', j.ttl ?? '—'],
                  [
                    'Next fire',
                    j.nextFireAt === undefined
                      ? 'none left'
                      : `${formatTime(j.nextFireAt)} (${relative(j.nextFireAt, now)})`,
                  ],
                  ['Delivered', String(j.count ?? 0)],
                  ['Failure policy', policyText(j.failurePolicy)],
                  ['Target', targetText(j.target)],
                ]}
              />
            </Panel>
            <Panel title="As the API returns it">
              <pre class="json" data-testid="job-json">
                {JSON.stringify(j, null, 2)}
              </pre>
            </Panel>
          </div>
        </>
      ) : null}
    </div>
  );
}
