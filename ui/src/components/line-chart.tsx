/** One line of a chart: its values in order (null leaves a gap). */
export interface Series {
  label: string;
  values: Array<number | null>;
  /** CSS class of the line (its colour). */
  className: string;
}

const W = 600;
const H = 180;
const PAD = { left: 48, right: 8, top: 10, bottom: 22 };

/**
 * A small SVG line chart: x is the sample index (times under it), y from 0 to the largest value.
 * Hand-drawn in SVG: a chart library would outweigh the whole dashboard.
 */
export function LineChart(props: {
  title: string;
  unit: string;
  times: string[];
  series: Series[];
  testId?: string;
}) {
  const all = props.series.flatMap((s) =>
    s.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const max = niceMax(Math.max(0, ...all));
  const n = Math.max(2, props.times.length);
  const x = (i: number): number => PAD.left + (i / (n - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const path = (values: Array<number | null>): string => {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const first = props.times[0];
  const last = props.times.at(-1);
  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>
        {props.title}
        <span class="chart-legend">
          {props.series.map((s) => (
            <span key={s.label} class={`legend-item ${s.className}`}>
              {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text class="axis" x={PAD.left - 4} y={y(max * f) + 4} text-anchor="end">
              {formatAxis(max * f)}
              {f === 1 ? ` ${props.unit}` : ''}
            </text>
          </g>
        ))}
        {props.series.map((s) => (
          <path key={s.label} class={`line ${s.className}`} d={path(s.values)} />
        ))}
        {first !== undefined ? (
          <text class="axis" x={PAD.left} y={H - 6}>
            {new Date(first).toLocaleTimeString()}
          </text>
        ) : null}
        {last !== undefined ? (
          <text class="axis" x={W - PAD.right} y={H - 6} text-anchor="end">
            {new Date(last).toLocaleTimeString()}
          </text>
        ) : null}
      </svg>
      {props.times.length === 0 ? <p class="muted">No samples yet (one every few seconds).</p> : null}
    </figure>
  );
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (value <= m * exp) return m * exp;
  return 10 * exp;
}

function formatAxis(v: number): string {
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  if (v >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}
