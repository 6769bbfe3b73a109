/**
 * Cost of computing cron ticks: `Schedule.next()` calls per second for UTC and CRON_TZ schedules,
 * against the path it replaced (cron-parser's own stepping: one parsed expression, `reset` to
 * the instant, `next()`), measured in the same process. Each run walks a schedule's ticks
 * forward from 2026-01-01, as a recurring job does, so the zone offset cache fills as it goes.
 *
 *   npm run bench:cron            (RUNS=9 BUDGET_MS=500 to override)
 */
import { performance } from 'node:perf_hooks';
import { CronExpressionParser } from 'cron-parser';
import { parseSchedule } from './lib/tickflow.js';
import { writeResults } from './lib/results.js';
import { median } from './lib/stats.js';
import { printTable } from './lib/table.js';

const RUNS = Number(process.env['RUNS'] ?? 5);
const BUDGET_MS = Number(process.env['BUDGET_MS'] ?? 300);
const T0 = Date.UTC(2026, 0, 1);
/** Ticks compared between the two paths before timing (both must agree away from DST edge cases). */
const CHECK_TICKS = 200;

const SCHEDULES = [
  '0 */5 * * * *',
  '*/5 * * * * *',
  '0 0 9 * * mon-fri',
  'CRON_TZ=Europe/Berlin */5 * * * * *',
  'CRON_TZ=Europe/Berlin 0 0 9 * * *',
  'CRON_TZ=America/New_York 0 0 9 * * mon-fri',
  'CRON_TZ=Australia/Lord_Howe 0 */30 * * * *',
];

type Next = (afterMs: number) => number | undefined;

/** The replaced implementation: cron-parser stepping in the zone, failures read as "no tick". */
function cronParserNext(text: string): Next {
  const match = /^CRON_TZ=(\S+)\s+(.*)$/.exec(text);
  const expression = CronExpressionParser.parse(match?.[2] ?? text, {
    tz: match?.[1] ?? 'UTC',
    currentDate: 0,
  });
  return (afterMs) => {
    expression.reset(new Date(afterMs));
    try {
      return expression.next().getTime();
    } catch {
      return undefined;
    }
  };
}

function tickflowNext(text: string): Next {
  const schedule = parseSchedule(text);
  return (afterMs) => schedule.next(afterMs, 0);
}

/** next() calls per second over BUDGET_MS, each call asking for the tick after the previous one. */
function callsPerSecond(next: Next): number {
  let cursor = T0;
  let calls = 0;
  const started = performance.now();
  let now = started;
  while (now - started < BUDGET_MS) {
    for (let i = 0; i < 50; i++) {
      cursor = next(cursor) ?? T0;
      calls++;
    }
    now = performance.now();
  }
  return calls / ((now - started) / 1000);
}

function sameTicks(a: Next, b: Next): boolean {
  let x: number | undefined = T0;
  let y: number | undefined = T0;
  for (let i = 0; i < CHECK_TICKS && x !== undefined && y !== undefined; i++) {
    x = a(x);
    y = b(y);
    if (x !== y) return false;
  }
  return true;
}

interface Row {
  schedule: string;
  cronParser: number;
  tickflow: number;
  speedup: number;
  same: boolean;
}

function main(): void {
  const rows: Row[] = [];
  for (const text of SCHEDULES) {
    const same = sameTicks(cronParserNext(text), tickflowNext(text));
    const old: number[] = [];
    const now: number[] = [];
    // Alternate the two paths so a change in machine load hits both alike; fresh state per run.
    for (let run = 0; run < RUNS; run++) {
      old.push(callsPerSecond(cronParserNext(text)));
      now.push(callsPerSecond(tickflowNext(text)));
    }
    const cronParser = median(old);
    const tickflow = median(now);
    rows.push({ schedule: text, cronParser, tickflow, speedup: tickflow / cronParser, same });
  }
  printTable(
    `Schedule.next() calls/s, median of ${RUNS} runs of ${BUDGET_MS} ms (node ${process.version})`,
    rows,
    [
      { header: 'schedule', value: (r) => r.schedule },
      { header: 'cron-parser /s', value: (r) => Math.round(r.cronParser) },
      { header: 'tickflow /s', value: (r) => Math.round(r.tickflow) },
      { header: 'speed-up', value: (r) => r.speedup, digits: 0 },
      { header: `first ${CHECK_TICKS} ticks equal`, value: (r) => (r.same ? 'yes' : 'no') },
    ],
  );
  void writeResults('cron', { runs: RUNS, budgetMs: BUDGET_MS, rows }).then((path) =>
    process.stdout.write(`\nresults: ${path}\n`),
  );
}

main();
