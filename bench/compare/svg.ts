/**
 * Grouped horizontal bar charts as plain SVG (no charting dependency): one group per figure,
 * one bar per engine, value printed at the end of each bar.
 */

export interface ChartGroup {
  label: string;
  bars: Array<{ series: string; value: number | undefined }>;
}

export interface Chart {
  title: string;
  unit: string;
  groups: ChartGroup[];
  /** A short note under the title (e.g. "higher is better"). */
  note?: string;
  /** Bar lengths on a log scale, for figures that span orders of magnitude (lateness). */
  log?: boolean;
}

const COLORS: Record<string, string> = {
  tickflow: '#2f7ed8',
  'BullMQ (AOF everysec)': '#e4a33a',
  'BullMQ (AOF always)': '#c0504d',
  Restate: '#6a9f58',
};
const FALLBACK = ['#8064a2', '#4bacc6', '#f79646', '#9bbb59'];

const WIDTH = 760;
const LABEL_W = 190;
const BAR_H = 18;
const GAP = 4;
const GROUP_GAP = 16;
const TOP = 58;

export function renderBarChart(chart: Chart): string {
  const series = [...new Set(chart.groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const max = Math.max(1e-9, ...chart.groups.flatMap((g) => g.bars.map((b) => b.value ?? 0)));
  const plotW = WIDTH - LABEL_W - 110;
  const parts: string[] = [];
  let y = TOP;
  for (const group of chart.groups) {
    const groupH = group.bars.length * (BAR_H + GAP) - GAP;
    parts.push(text(LABEL_W - 10, y + groupH / 2 + 4, group.label, 'end', 12, '#222'));
    for (const bar of group.bars) {
      const color = colorOf(bar.series, series);
      if (bar.value === undefined || Number.isNaN(bar.value)) {
        parts.push(text(LABEL_W + 4, y + BAR_H - 5, 'n/a', 'start', 11, '#888'));
      } else {
        const share = chart.log
          ? Math.log10(1 + Math.max(0, bar.value)) / Math.log10(1 + max)
          : bar.value / max;
        const w = Math.max(1, share * plotW);
        parts.push(
          `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"/>`,
        );
        parts.push(text(LABEL_W + w + 6, y + BAR_H - 5, formatValue(bar.value), 'start', 11, '#222'));
      }
      y += BAR_H + GAP;
    }
    y += GROUP_GAP - GAP;
  }
  const legendY = y + 6;
  let x = LABEL_W;
  for (const s of series) {
    parts.push(`<rect x="${x}" y="${legendY}" width="12" height="12" fill="${colorOf(s, series)}"/>`);
    parts.push(text(x + 16, legendY + 10, s, 'start', 11, '#222'));
    x += 24 + s.length * 6.5;
  }
  const height = legendY + 28;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    text(WIDTH / 2, 22, chart.title, 'middle', 15, '#111', 'bold'),
    text(
      WIDTH / 2,
      40,
      `${chart.unit}${chart.log ? ' (log scale)' : ''}${chart.note ? ` — ${chart.note}` : ''}`,
      'middle',
      11,
      '#555',
    ),
    `<line x1="${LABEL_W}" y1="${TOP - 6}" x2="${LABEL_W}" y2="${y - GROUP_GAP + 6}" stroke="#999"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function colorOf(name: string, all: string[]): string {
  return COLORS[name] ?? FALLBACK[all.indexOf(name) % FALLBACK.length] ?? '#888';
}

function formatValue(v: number): string {
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function text(
  x: number,
  y: number,
  content: string,
  anchor: string,
  size: number,
  fill: string,
  weight = 'normal',
): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" font-size="${size}" fill="${fill}" font-weight="${weight}">${escape(content)}</text>`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
