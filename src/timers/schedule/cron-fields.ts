/**
 * Names what is wrong with a 6-field cron expression in a few words: the field, the bad value and
 * the field's range ("hour 25 out of range 0-23"), instead of the parser's message followed by the
 * whole schedule grammar.
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Three-letter names of the values from `min` on. */
  readonly names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The six fields, seconds first, with the ranges cron-parser accepts (day of week 7 is Sunday too). */
export const CRON_FIELDS: readonly CronField[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS },
];

/** `0-23`, or `1-12 or jan-dec` for the fields that take names. */
export function cronFieldRange(field: CronField): string {
  const numbers = `${field.min}-${field.max}`;
  return field.names ? `${numbers} or ${field.names[0]}-${field.names.at(-1)}` : numbers;
}

/**
 * The first problem found in the fields of a 6-field expression, as a short phrase naming the
 * field; undefined when every value, range and step is within bounds (the expression may still be
 * refused by the parser for a reason that spans fields, or for syntax this check does not read).
 */
export function cronFieldProblem(fields: readonly string[]): string | undefined {
  for (const [index, field] of CRON_FIELDS.entries()) {
    const text = fields[index];
    if (text === undefined) continue;
    const problem = fieldProblem(field, text);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Which field makes the parser refuse the expression, found by parsing each field alone (the others
 * `*`); -1 if none does by itself (e.g. a day of month that its months never have).
 */
export function failingCronField(fields: readonly string[], parses: (expression: string) => boolean): number {
  return CRON_FIELDS.findIndex((_, index) => {
    const alone = CRON_FIELDS.map((__, i) => (i === index ? (fields[i] ?? '*') : '*'));
    return !parses(alone.join(' '));
  });
}

/** What a field holds in general, for a field the checks above could not pin down. */
export function cronFieldSyntax(index: number, text: string): string {
  const field = CRON_FIELDS[index];
  if (field === undefined) return `cron field ${JSON.stringify(text)} is not valid`;
  return (
    `${field.name} ${JSON.stringify(text)} is not valid: use ${cronFieldRange(field)}, ` +
    'ranges (a-b), steps (*/n, a-b/n) and lists (a,b)'
  );
}

function fieldProblem(field: CronField, text: string): string | undefined {
  for (const item of text.split(',')) {
    if (item === '') return `${field.name} ${JSON.stringify(text)} has an empty list item`;
    const problem = itemProblem(field, item);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function itemProblem(field: CronField, item: string): string | undefined {
  let base = item;
  if (field.name === 'day of week') {
    const nth = /^(.*)#(\d+)$/.exec(base);
    if (nth) {
      const n = Number(nth[2]);
      if (n < 1 || n > 5) return `day of week occurrence #${nth[2]} out of range 1-5`;
      base = nth[1] ?? '';
    }
    // 5L: the last Friday of the month.
    if (/^\w+L$/i.test(base)) base = base.slice(0, -1);
  }
  if (field.name === 'day of month' && /^L$/i.test(base)) return undefined;
  const parts = base.split('/');
  if (parts.length > 2) return undefined;
  const [range = '', step] = parts;
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) return undefined;
    if (Number(step) === 0) return `${field.name} step /0 must be at least 1`;
  }
  if (range === '*' || range === '?') return undefined;
  const ends = range.split('-');
  if (ends.length > 2) return undefined;
  const values: number[] = [];
  for (const end of ends) {
    const value = valueOf(field, end);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (value < field.min || value > field.max) {
      return `${field.name} ${end} out of range ${cronFieldRange(field)}`;
    }
    values.push(value);
  }
  const [from = 0, to = from] = values;
  if (from > to) {
    const sunday = field.name === 'day of week' && to === 0 ? ' (Sunday ends a range as 7)' : '';
    return `${field.name} range ${range} runs backwards${sunday}; range ${cronFieldRange(field)}`;
  }
  return undefined;
}

/** The number a value stands for, a problem phrase for an unknown name, or undefined for other syntax. */
function valueOf(field: CronField, text: string): number | string | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^[a-z]{3}$/i.test(text) && field.names) {
    const index = field.names.indexOf(text.toLowerCase());
    if (index === -1) {
      return `${field.name} ${JSON.stringify(text)} is not a ${field.name}: use ${cronFieldRange(field)}`;
    }
    return index + field.min;
  }
  if (/^[a-z]+$/i.test(text) && !/^[HL]$/i.test(text)) {
    return field.names
      ? `${field.name} ${JSON.stringify(text)} is not a ${field.name}: use ${cronFieldRange(field)}`
      : `${field.name} ${JSON.stringify(text)} is not a number: use ${cronFieldRange(field)}`;
  }
  return undefined;
}
