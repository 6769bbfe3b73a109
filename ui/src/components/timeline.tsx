import { formatDuration, formatTime } from '../format';
import type { Bar, Mark } from '../timeline-bars';

/** Bars drawn at most: a long history keeps its table, the timeline shows the latest spans. */
const MAX_BARS = 300;

/**
 * A history on a time axis: one row per activity, timer, child workflow or suspension, from when
 * it began to when it ended (open ones to now, timers to their due time), and the moments (start,
 * events, end) as ticks on the top row. Positions are percentages, so it fits any width.
 */
export function Timeline({ bars, marks, now }: { bars: Bar[]; marks: Mark[]; now: number }) {
  const shown = bars.slice(-MAX_BARS);
  const times = [...shown.flatMap((b) => [b.start, b.end]), ...marks.map((m) => m.at)].filter((t) =>
    Number.isFinite(t),
  );
  if (times.length === 0) return <p class="muted">No history yet.</p>;
  const start = Math.min(...times);
  const end = Math.max(...times, Math.min(now, Math.max(...times) + 1000));
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
        const width = Math.max(0.4, pos(b.end) - left);
        const state = b.open ? 'open' : b.failed ? 'failed' : 'done';
        const title = `${b.label}: ${formatTime(new Date(b.start).toISOString())} → ${
          b.open
            ? b.kind === 'timer'
              ? `due ${formatTime(new Date(b.end).toISOString())}`
              : 'running'
            : formatTime(new Date(b.end).toISOString())
        } (${formatDuration(b.end - b.start)})${b.failed ? ', failed' : ''}`;
        return (
          <div class="tl-row" key={i}>
            <div class="tl-label" title={b.label}>
              {b.label}
            </div>
            <div class="tl-track">
              <span
                class={`tl-bar bar-${b.kind} bar-${state}${b.retry ? ' bar-retry' : ''}`}
                style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }}
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
