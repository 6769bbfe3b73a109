import { api, type ClusterSnapshot, type Metadata, type MetricPoint } from '../api';
import { ErrorBox, Facts, Panel } from '../components/common';
import { LineChart } from '../components/line-chart';
import { formatDuration, formatTime } from '../format';
import { usePoll } from '../hooks';

/** Owner colours: a partition's cell takes its owner's. */
const PALETTE = 8;

/** Replicas, partitions and owners, staged and overdue triggers, trigger rate and lateness charts. */
export function ClusterPage() {
  const cluster = usePoll(() => api<ClusterSnapshot>('GET', '/v1.0/ui/cluster'), 'cluster', 5000);
  const metrics = usePoll(
    () => api<{ intervalMs: number; points: MetricPoint[] }>('GET', '/v1.0/ui/metrics'),
    'metrics',
    5000,
  );
  const meta = usePoll(() => api<Metadata>('GET', '/v1.0/metadata'), 'meta', 0);
  const c = cluster.data;
  const points = metrics.data?.points ?? [];
  const times = points.map((p) => p.at);
  const colour = new Map((c?.replicas ?? []).map((r, i) => [r.memberId, i % PALETTE]));
  return (
    <div class="page">
      <div class="page-head">
        <h1>Cluster</h1>
        {meta.data ? (
          <span class="muted">
            {meta.data.namespace}/{meta.data.id} · tickflow {meta.data.runtimeVersion}
          </span>
        ) : null}
      </div>
      <ErrorBox error={cluster.error} />
      {c ? (
        <>
          <div class="stats" data-testid="cluster-stats">
            <div class="stat">
              <span class="stat-n">{c.replicas.length}</span> replicas
            </div>
            <div class="stat">
              <span class="stat-n">{c.partitionCount ?? '?'}</span> partitions
            </div>
            <div class="stat">
              <span class="stat-n">{c.stagedTriggers}</span> staged triggers (this replica)
            </div>
            <div class={`stat ${c.oldestOverdueSeconds > 5 ? 'warn' : ''}`}>
              <span class="stat-n">{formatDuration(c.oldestOverdueSeconds * 1000)}</span> oldest overdue (this
              replica)
            </div>
          </div>
          <Panel title="Replicas">
            <div class="table-wrap">
              <table class="list" data-testid="replicas-table">
                <thead>
                  <tr>
                    <th />
                    <th>Member</th>
                    <th>Joined</th>
                    <th>Lease age</th>
                    <th>Partitions</th>
                  </tr>
                </thead>
                <tbody>
                  {c.replicas.map((r) => (
                    <tr key={r.memberId}>
                      <td>
                        <span class={`swatch owner-${colour.get(r.memberId) ?? 0}`} />
                      </td>
                      <td class="mono">
                        {r.memberId}
                        {r.self ? <span class="muted"> (this replica)</span> : null}
                      </td>
                      <td title={r.since}>{formatTime(r.since)}</td>
                      <td>
                        {r.leaseAgeSeconds === undefined ? '' : formatDuration(r.leaseAgeSeconds * 1000)}
                      </td>
                      <td>{r.partitions.length}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Panel>
          <Panel title="Partitions and owners">
            <div class="partitions" data-testid="partitions">
              {c.partitions.map((p) => {
                const overdue = p.oldestOverdueSeconds ?? 0;
                const cls = p.owner === undefined ? 'unowned' : `owner-${colour.get(p.owner) ?? 0}`;
                return (
                  <div
                    key={p.partition}
                    class={`cell ${cls}${p.loading ? ' loading' : ''}${overdue > 5 ? ' overdue' : ''}`}
                    title={`partition ${p.partition}: ${p.owner ?? 'no owner'}${
                      p.claimedAtRevision !== undefined ? `, claimed at revision ${p.claimedAtRevision}` : ''
                    }${p.oldestOverdueSeconds !== undefined ? `, oldest overdue ${formatDuration(overdue * 1000)}` : ''}${
                      p.loading ? ', loading' : ''
                    }`}
                  >
                    {p.partition}
                  </div>
                );
              })}
            </div>
            {c.truncated ? <p class="muted">More cluster keys than shown.</p> : null}
          </Panel>
        </>
      ) : null}
      <Panel title="This replica, last minutes">
        <ErrorBox error={metrics.error} />
        <div class="charts">
          <LineChart
            title="Trigger attempts"
            unit="/s"
            testId="chart-rate"
            times={times}
            series={[
              { label: 'triggers', values: points.map((p) => p.triggerRate), className: 's1' },
              { label: 'failed', values: points.map((p) => p.failedRate), className: 's3' },
              { label: 'workflow steps', values: points.map((p) => p.stepRate), className: 's2' },
            ]}
          />
          <LineChart
            title="Trigger lateness"
            unit="s"
            testId="chart-lateness"
            times={times}
            series={[
              { label: 'p50', values: points.map((p) => p.lateness?.p50 ?? null), className: 's1' },
              { label: 'p90', values: points.map((p) => p.lateness?.p90 ?? null), className: 's2' },
              { label: 'p99', values: points.map((p) => p.lateness?.p99 ?? null), className: 's3' },
            ]}
          />
          <LineChart
            title="Staged triggers and oldest overdue"
            unit=""
            times={times}
            series={[
              { label: 'staged', values: points.map((p) => p.staged), className: 's1' },
              {
                label: 'oldest overdue (s)',
                values: points.map((p) => p.oldestOverdueSeconds),
                className: 's3',
              },
            ]}
          />
        </div>
        {metrics.data ? (
          <Facts
            rows={[
              [
                'Samples',
                `${points.length}, one every ${metrics.data.intervalMs / 1000} s, from the figures /metrics exports`,
              ],
            ]}
          />
        ) : null}
      </Panel>
    </div>
  );
}
