/** Prints benchmark rows as an aligned plain-text table (numbers right-aligned). */

export type Cell = string | number | boolean | undefined;

export interface Column<Row> {
  header: string;
  value: (row: Row) => Cell;
  /** Digits after the point for numbers; default: 0 for integers, else 1. */
  digits?: number;
}

export function formatCell(value: Cell, digits?: number): string {
  if (value === undefined) return '-';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '-';
    const d = digits ?? (Number.isInteger(value) ? 0 : 1);
    return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  return String(value);
}

export function renderTable<Row>(rows: readonly Row[], columns: ReadonlyArray<Column<Row>>): string {
  const cells = rows.map((row) => columns.map((c) => formatCell(c.value(row), c.digits)));
  const numeric = columns.map((c) => rows.every((row) => typeof c.value(row) !== 'string'));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[], header: boolean): string =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        return numeric[i] && !header ? v.padStart(w) : v.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      true,
    ),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => line(r, false)),
  ].join('\n');
}

export function printTable<Row>(
  title: string,
  rows: readonly Row[],
  columns: ReadonlyArray<Column<Row>>,
): void {
  process.stdout.write(`\n${title}\n${renderTable(rows, columns)}\n`);
}

/** A two-column "metric / value" table from an object's fields. */
export function printKeyValues(title: string, values: Record<string, Cell>, digits = 1): void {
  const rows = Object.entries(values).map(([metric, value]) => ({ metric, value }));
  printTable(title, rows, [
    { header: 'metric', value: (r) => r.metric },
    {
      header: 'value',
      value: (r) =>
        formatCell(r.value, typeof r.value === 'number' && Number.isInteger(r.value) ? 0 : digits),
    },
  ]);
}
