import { useState } from 'preact/hooks';
import { formatDuration, formatTime } from '../format';
import type { Bar, Mark } from '../timeline-bars';

/** Bars drawn at most: a long history keeps its table, the timeline shows the latest spans. */
const MAX_BARS = 300;

/**
 * A history on a time axis: one row per activity, timer, child workflow or suspension, from when
 * it began to when it ended (open ones to now, timers to their due time), and the moments (start,
 * events, end) as ticks on the top row. Positions are percentages, so it fits any width.
 *
 * By default the axis ends at the last event or now: an hour-long timer would otherwise squeeze
 * everything else into a sliver. A bar that goes on past the edge is cut (marked at its right
 * end); the toggle extends the axis to the pending timers' due times.
 */
export function Timeline({ bars, marks, now }: { bars: Bar[]; marks: Mark[]; now: number }) {
  const [toDue, setToDue] = useState(false);
  const shown = bars.slice(-MAX_BARS);
  const pendingTimer = (b: Bar): boolean => b.open && b.kind === 'timer';
  const recorded = [
    ...shown.flatMap((b) => (pendingTimer(b) ? [b.start] : [b.start, b.end])),
    ...marks.map((m) => m.at),
  ].filter((t) => Number.isFinite(t));
  if (recorded.length === 0) return <p class="muted">No history yet.</p>;
  const dues = shown.filter(pendingTimer).map((b) => b.end);
  const start = Math.min(...recorded);
  const last = Math.max(...recorded);
  const end =
    toDue && dues.length > 0
      ? Math.max(last, ...dues)
      : Math.max(last, Math.min(now, Math.max(last, ...dues)));
  const span = Math.max(1, end - start);
  const pos = (t: number): number => ((t - start) / span) * 100;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({
    left: f * 100,
    label: `+${formatDuration(f * span)}`,
  }));
  return (
    <div class="timeline" data-testid="timeline">
      {bars.length > MAX_BARS ? (
        <p class="muted">
          The latest {MAX_BARS} of {bars.length} spans.
        </p>
      ) : null}
      {dues.length > 0 ? (
        <label class="toggle muted">
          <input
            type="checkbox"
            name="toDue"
            checked={toDue}
            onChange={(e) => setToDue((e.target as HTMLInputElement).checked)}
          />{' '}
          extend the axis to the pending timers' due times
        </label>
      ) : null}
      <div class="tl-row tl-axis">
        <div class="tl-label muted">{formatTime(new Date(start).toISOString())}</div>
        <div class="tl-track">
          {ticks.map((t) => (
            <span key={t.left} class="tl-tick" style={{ left: `${t.left}%` }}>
              {t.label}
            </span>
          ))}
        </div>
      </div>
      <div class="tl-row">
        <div class="tl-label">moments</div>
        <div class="tl-track">
          {marks.map((m, i) => (
            <span
              key={i}
              class={`tl-mark mark-${m.kind}`}
              style={{ left: `${pos(m.at)}%` }}
              title={`${m.label} at ${formatTime(new Date(m.at).toISOString())} (+${formatDuration(m.at - start)})`}
            />
          ))}
        </div>
      </div>
      {shown.map((b, i) => {
        const left = pos(b.start);
        const width = Math.max(0.4, Math.min(pos(b.end), 100) - left);
        const cut = b.end > end;
        const state = b.open ? 'open' : b.failed ? 'failed' : 'done';
        const until = b.open
          ? b.kind === 'timer'
            ? `due ${formatTime(new Date(b.end).toISOString())}`
            : 'running'
          : formatTime(new Date(b.end).toISOString());
        const title =
          `${b.label}: ${formatTime(new Date(b.start).toISOString())} → ${until} ` +
          `(${formatDuration(b.end - b.start)})${b.failed ? ', failed' : ''}`;
        return (
          <div class="tl-row" key={i}>
            <div class="tl-label" title={b.label}>
              {b.label}
            </div>
            <div class="tl-track">
              <span
                class={`tl-bar bar-${b.kind} bar-${state}${b.retry ? ' bar-retry' : ''}${cut ? ' bar-cut' : ''}`}
                style={{ left: `${left}%`, width: `${width}%` }}
                title={title}
              />
            </div>
          </div>
        );
      })}
      <div class="tl-legend muted">
        <span class="tl-key bar-activity" /> activity <span class="tl-key bar-timer" /> timer{' '}
        <span class="tl-key bar-child" /> child workflow <span class="tl-key bar-suspended" /> suspended{' '}
        <span class="tl-key bar-failed-key" /> failed <span class="tl-key bar-open-key" /> open
      </div>
    </div>
  );
}
