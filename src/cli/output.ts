/** Where the CLI writes; injected so the commands never touch process streams directly. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress then redraws one line instead of printing many). */
  errIsTty: boolean;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  errIsTty: process.stderr.isTTY === true,
};

const MAX_CELL = 60;

/** Tables by default, JSON with `--json`. */
export class Output {
  readonly #io: CliIo;
  readonly json: boolean;

  constructor(io: CliIo, json: boolean) {
    this.#io = io;
    this.json = json;
  }

  line(text: string): void {
    this.#io.out(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.#io.out(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Columns padded to their widest cell; long cells are cut so one row stays one line. */
  table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): void {
    if (rows.length === 0) {
      this.line('(none)');
      return;
    }
    const cells = rows.map((row) => headers.map((_, i) => clip(row[i] ?? '')));
    const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
    const format = (row: readonly string[]): string =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    this.line(format(headers));
    for (const row of cells) this.line(format(row));
  }

  /** `key: value` lines for one object; absent values are left out. */
  fields(pairs: ReadonlyArray<readonly [string, string | undefined]>): void {
    const present = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
    const width = Math.max(...present.map(([k]) => k.length));
    for (const [key, value] of present) this.line(`${`${key}:`.padEnd(width + 1)} ${value}`);
  }
}

/** Progress of a long operation on stderr: one redrawn line on a terminal, a line per change otherwise. */
export class Progress {
  readonly #io: CliIo;
  #last = '';

  constructor(io: CliIo) {
    this.#io = io;
  }

  update(text: string): void {
    if (this.#io.errIsTty) {
      this.#io.err(`\r\x1b[2K${text}`);
    } else if (text !== this.#last) {
      this.#io.err(`${text}\n`);
    }
    this.#last = text;
  }

  done(): void {
    if (this.#io.errIsTty && this.#last !== '') this.#io.err('\n');
    this.#last = '';
  }
}

/** A payload as compact JSON, for table cells and field values. */
export function compactJson(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function clip(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}
