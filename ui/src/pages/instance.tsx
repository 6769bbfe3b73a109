import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, WF, type HistoryEvent, type PendingTimer, type WorkflowDetail } from '../api';
import { ConfirmButton, ErrorBox, Facts, Panel, StatusBadge } from '../components/common';
import { Timeline } from '../components/timeline';
import { formatDuration, formatTime, prettyJson, relative } from '../format';
import { usePoll, useNow } from '../hooks';
import { href } from '../route';
import { describeEvent, purposeOf, timelineOf } from '../timeline-bars';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'TERMINATED']);
/** History rows shown at most in the table (the newest); the API caps histories anyway. */
const MAX_ROWS = 1000;

/** One instance: its state and payloads, its history as a timeline and a table, its timers, actions. */
export function InstancePage({ id }: { id: string }) {
  const now = useNow();
  const enc = encodeURIComponent(id);
  const state = usePoll(() => api<WorkflowDetail>('GET', `${WF}/${enc}`), `state:${id}`, 2000);
  const finished = state.data !== undefined && TERMINAL.has(state.data.runtimeStatus);
  const history = usePoll(
    () => api<{ events: HistoryEvent[] }>('GET', `${WF}/${enc}/history`),
    `history:${id}:${state.data?.lastUpdatedAt ?? ''}`,
    0,
  );
  const timers = usePoll(
    () => api<{ timers: PendingTimer[]; truncated: boolean }>('GET', `/v1.0/ui/workflows/${enc}/timers`),
    `timers:${id}:${state.data?.lastUpdatedAt ?? ''}`,
    finished ? 0 : 5000,
  );
  const refresh = (): void => {
    state.reload();
  };

  const w = state.data;
  const props = w?.properties ?? {};
  const events = history.data?.events ?? [];
  const { bars, marks } = timelineOf(events, now);
  const stamps = events.map((e) => Date.parse(e.timestamp)).filter((t) => Number.isFinite(t));
  const start = stamps.length > 0 ? Math.min(...stamps) : undefined;
  const status = w?.runtimeStatus ?? '';

  return (
    <div class="page">
      <div class="page-head">
        <h1 class="mono" data-testid="instance-id">
          {id}
        </h1>
        {w ? (
          <StatusBadge
            status={w.runtimeStatus}
            stalled={props['tickflow.stalled.error_type'] !== undefined}
          />
        ) : null}
      </div>
      <ErrorBox error={state.error} />
      {w ? (
        <>
          <div class="actions" data-testid="actions">
            <RaiseEvent id={id} disabled={finished} onDone={refresh} />
            <ConfirmButton
              label="Suspend"
              title={`Suspend ${id}?`}
              message="Its next steps wait until it is resumed; events raised meanwhile are kept."
              disabled={status !== 'RUNNING' && status !== 'PENDING'}
              action={async () => {
                await api('POST', `${WF}/${enc}/pause`);
                refresh();
              }}
            />
            <ConfirmButton
              label="Resume"
              title={`Resume ${id}?`}
              message="It goes on from where it was suspended."
              disabled={status !== 'SUSPENDED'}
              action={async () => {
                await api('POST', `${WF}/${enc}/resume`);
                refresh();
              }}
            />
            <ConfirmButton
              label="Terminate"
              danger
              title={`Terminate ${id}?`}
              message="It ends as TERMINATED, and so do its running child workflows. This cannot be undone."
              disabled={finished}
              testId="terminate"
              action={async () => {
                await api('POST', `${WF}/${enc}/terminate`);
                refresh();
              }}
            />
            <ConfirmButton
              label="Purge"
              danger
              title={`Purge ${id}?`}
              message={
                finished
                  ? 'Its state and history are deleted from etcd, with those of its child workflows. This cannot be undone.'
                  : 'It has not finished: purging terminates it first, then deletes its state and history. This cannot be undone.'
              }
              action={async () => {
                await api('POST', `${WF}/${enc}/purge${finished ? '' : '?force=true'}`);
                // Leave the page: it would poll an instance that is gone.
                location.hash = href('workflows', undefined, new URLSearchParams({ purged: id }));
              }}
            />
          </div>
          <div class="grid">
            <Panel title="Instance">
              <Facts
                rows={[
                  ['Workflow', w.workflowName],
                  ['Status', <StatusBadge key="s" status={w.runtimeStatus} />],
                  ['Created', <span title={w.createdAt}>{formatTime(w.createdAt)}</span>],
                  [
                    'Updated',
                    <span
                      title={w.lastUpdatedAt}
                    >{`${formatTime(w.lastUpdatedAt)} (${relative(w.lastUpdatedAt, now)})`}</span>,
                  ],
                  ...(props['tickflow.parent_instance_id'] !== undefined
                    ? [
                        [
                          'Parent',
                          <a href={href('instance', props['tickflow.parent_instance_id'])}>
                            {props['tickflow.parent_instance_id']}
                          </a>,
                        ] as [string, ComponentChildren],
                      ]
                    : []),
                  ...(props['tickflow.scheduled_start_at'] !== undefined
                    ? [
                        ['Starts at', formatTime(props['tickflow.scheduled_start_at'])] as [
                          string,
                          ComponentChildren,
                        ],
                      ]
                    : []),
                ]}
              />
            </Panel>
            {props['dapr.workflow.failure.error_type'] !== undefined ? (
              <Panel title="Failure">
                <p class="failure" data-testid="failure">
                  <strong>{props['dapr.workflow.failure.error_type']}</strong>:{' '}
                  {props['dapr.workflow.failure.error_message']}
                </p>
              </Panel>
            ) : null}
            {props['tickflow.stalled.error_type'] !== undefined ? (
              <Panel title="Stalled step">
                <p class="failure" data-testid="stalled">
                  <strong>{props['tickflow.stalled.error_type']}</strong>:{' '}
                  {props['tickflow.stalled.error_message']}
                </p>
                <Facts
                  rows={[
                    ['Attempts', props['tickflow.stalled.attempts']],
                    ['Since', formatTime(props['tickflow.stalled.since'])],
                    ['Next retry', relative(props['tickflow.stalled.next_retry_at'], now)],
                  ]}
                />
              </Panel>
            ) : null}
            <Panel title="Input">
              <pre class="json" data-testid="input">
                {prettyJson(props['dapr.workflow.input']) || '—'}
              </pre>
            </Panel>
            <Panel title="Output">
              <pre class="json" data-testid="output">
                {prettyJson(props['dapr.workflow.output']) || '—'}
              </pre>
            </Panel>
            <Panel title="Custom status">
              <pre class="json" data-testid="custom-status">
                {prettyJson(props['dapr.workflow.custom_status']) || '—'}
              </pre>
            </Panel>
          </div>
          <Panel title="Pending timers and tasks">
            <ErrorBox error={timers.error} />
            {timers.data && timers.data.timers.length === 0 ? <p class="muted">None.</p> : null}
            {timers.data && timers.data.timers.length > 0 ? (
              <div class="table-wrap">
                <table class="list" data-testid="timers-table">
                  <thead>
                    <tr>
                      <th>For</th>
                      <th>Task</th>
                      <th>Due</th>
                      <th />
                      <th>Delivered</th>
                    </tr>
                  </thead>
                  <tbody>
                    {timers.data.timers.map((t) => (
                      <tr key={t.name} title={t.name}>
                        <td>{purposeOf(t, events)}</td>
                        <td>{t.taskId ?? ''}</td>
                        <td title={t.dueAt}>{formatTime(t.dueAt)}</td>
                        <td>{relative(t.dueAt, now)}</td>
                        <td>{t.delivered}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {timers.data?.truncated ? <p class="muted">Only the first 1000 are listed.</p> : null}
          </Panel>
          <Panel title="Timeline">
            <ErrorBox error={history.error} />
            <Timeline bars={bars} marks={marks} now={finished ? Date.parse(w.lastUpdatedAt) : now} />
          </Panel>
          <Panel title={`History (${events.length} events)`}>
            <div class="table-wrap">
              <table class="list history" data-testid="history-table">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Time</th>
                    <th>Offset</th>
                    <th>Event</th>
                    <th class="wide">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {events.slice(-MAX_ROWS).map((e, i) => {
                    const t = Date.parse(e.timestamp);
                    return (
                      <tr key={i} class={`ev-${e.type}`}>
                        <td>{events.length > MAX_ROWS ? events.length - MAX_ROWS + i : i}</td>
                        <td title={e.timestamp}>{formatTime(e.timestamp)}</td>
                        <td>{start === undefined ? '' : `+${formatDuration(t - start)}`}</td>
                        <td>{e.type}</td>
                        <td class="wide">
                          <EventDetails event={e} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </Panel>
        </>
      ) : null}
    </div>
  );
}

/** Raise an event: a name and JSON data, confirmed before it is sent. */
function RaiseEvent({ id, disabled, onDone }: { id: string; disabled: boolean; onDone: () => void }) {
  const [name, setName] = useState('');
  const [data, setData] = useState('');
  return (
    <ConfirmButton
      label="Raise event"
      title={`Raise an event on ${id}`}
      confirmLabel="Raise"
      testId="raise"
      message="The instance takes it when it waits for an event of this name (or keeps it until then)."
      disabled={disabled}
      action={async () => {
        if (name.trim() === '') throw new Error('The event needs a name.');
        let body: unknown;
        if (data.trim() !== '') {
          try {
            body = JSON.parse(data);
          } catch (e) {
            throw new Error(`The data is not JSON: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        await api(
          'POST',
          `${WF}/${encodeURIComponent(id)}/raiseEvent/${encodeURIComponent(name.trim())}`,
          body,
        );
        onDone();
      }}
    >
      <label class="stack">
        Event name
        <input name="eventName" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label class="stack">
        Data (JSON, optional)
        <textarea
          name="eventData"
          rows={4}
          value={data}
          onInput={(e) => setData((e.target as HTMLTextAreaElement).value)}
        />
      </label>
    </ConfirmButton>
  );
}

/** An event's summary, a link to the other instance it names, and its full JSON on demand. */
function EventDetails({ event }: { event: HistoryEvent }) {
  const other =
    (event.type === 'ChildWorkflowCreated' || event.type === 'EventSent') &&
    typeof event.instanceId === 'string'
      ? event.instanceId
      : undefined;
  return (
    <details class="event-details">
      <summary>
        {describeEvent(event)}
        {other !== undefined ? (
          <>
            {' '}
            <a href={href('instance', other)}>open</a>
          </>
        ) : null}
      </summary>
      <pre class="json">{JSON.stringify(event, null, 2)}</pre>
    </details>
  );
}
