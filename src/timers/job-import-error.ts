import type { InvalidInput } from '../common/invalid-input.js';
import { describeValue } from '../common/invalid-input.js';
import { TimerServiceError } from './errors.js';

/**
 * A line of a job export (JSON lines, `job-export-format.ts`) that cannot be imported: names the
 * line number, the field, the value received and what is allowed. Nothing of that line was
 * stored.
 */
export class JobImportLineError extends TimerServiceError implements InvalidInput {
  override name = 'JobImportLineError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
  /** The 1-based line number in the input. */
  readonly line: number;

  constructor(line: number, field: string, value: unknown, allowed: string, detail?: string) {
    super(
      `line ${line}: invalid ${field}: ${describeValue(value)}; allowed: ${allowed}` +
        (detail === undefined ? '' : ` (${detail})`),
      { invalid: { field, value, allowed } },
    );
    this.line = line;
  }
}
