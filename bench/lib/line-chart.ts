/**
 * Stacked line charts as plain SVG (no charting dependency), one panel per quantity, sharing the
 * x axis: for time series such as the soak benchmark's per-minute samples, where what matters is
 * whether a line stays flat.
 */

export interface LinePanel {
  title: string;
  series: Array<{ name: string; values: number[] }>;
}

const WIDTH = 760;
const PANEL_H = 170;
const LEFT = 70;
const RIGHT = 130;
const TOP = 40;
const GAP = 40;
const COLORS = ['#2f7ed8', '#e4a33a', '#6a9f58', '#c0504d', '#8064a2', '#4bacc6'];

export function renderLineCharts(title: string, xs: readonly number[], panels: readonly LinePanel[]): string {
  const height = TOP + panels.length * (PANEL_H + GAP);
  const plotW = WIDTH - LEFT - RIGHT;
  const xMax = Math.max(1e-9, ...xs);
  const parts: string[] = [text(WIDTH / 2, 22, title, 'middle', 14, '#222', 'bold')];
  panels.forEach((panel, p) => {
    const top = TOP + p * (PANEL_H + GAP) + 16;
    const plotH = PANEL_H - 36;
    const finite = panel.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
    // From zero, so a flat line looks flat and a small drift is not blown up to full height.
    const yMax = niceCeil(Math.max(1e-9, ...finite));
    parts.push(text(LEFT, top - 6, panel.title, 'start', 12, '#222', 'bold'));
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (i / 4) * plotH;
      parts.push(`<line x1="${LEFT}" y1="${y}" x2="${LEFT + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
      parts.push(text(LEFT - 6, y + 4, format((i / 4) * yMax), 'end', 10, '#666'));
    }
    for (const x of ticks(xMax)) {
      const px = LEFT + (x / xMax) * plotW;
      parts.push(text(px, top + plotH + 14, `${format(x)}`, 'middle', 10, '#666'));
    }
    parts.push(text(LEFT + plotW, top + plotH + 28, 'minutes', 'end', 10, '#666'));
    panel.series.forEach((series, i) => {
      const color = COLORS[i % COLORS.length] ?? '#333';
      const points = series.values
        .map((v, j) => ({ x: xs[j] ?? 0, v }))
        .filter((pt) => Number.isFinite(pt.v))
        .map(
          (pt) =>
            `${(LEFT + (pt.x / xMax) * plotW).toFixed(1)},${(top + plotH - (pt.v / yMax) * plotH).toFixed(1)}`,
        );
      if (points.length > 0) {
        parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
      }
      const last = [...series.values].reverse().find((v) => Number.isFinite(v));
      parts.push(
        `<rect x="${LEFT + plotW + 12}" y="${top + i * 18}" width="10" height="10" fill="${color}"/>`,
      );
      parts.push(
        text(
          LEFT + plotW + 26,
          top + i * 18 + 9,
          `${series.name} ${last === undefined ? '' : format(last)}`,
          'start',
          10,
          '#222',
        ),
      );
    });
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`
  );
}

function niceCeil(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function ticks(max: number): number[] {
  const step = niceCeil(max / 6);
  const out: number[] = [];
  for (let x = 0; x <= max + 1e-9; x += step) out.push(Math.round(x * 100) / 100);
  return out;
}

function format(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1).replace(/\.0$/, '');
  return value.toFixed(2).replace(/\.?0+$/, '');
}

function text(
  x: number,
  y: number,
  body: string,
  anchor: string,
  size: number,
  color: string,
  weight = 'normal',
): string {
  const escaped = body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x}" y="${y}" text-anchor="${anchor}" font-size="${size}" fill="${color}" font-weight="${weight}">${escaped}</text>`;
}
