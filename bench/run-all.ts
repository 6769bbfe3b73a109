/**
 * `npm run bench`: tickflow side by side with BullMQ on Redis and Restate (issue 8), workloads
 * W1–W7, medians over runs, the ratio tickflow ÷ peer, and charts.
 *
 *   npm run bench                          all engines and workloads at the issue's sizes, 3 runs
 *   npm run bench -- --quick               every workload at small sizes, 1 run (~5 minutes)
 *   npm run bench -- --runs 1 --engines tickflow,restate --workloads W4,W6 [--profile]
 *
 * Peers come from bench/peers/install.sh (Debian's redis-server, BullMQ and Restate from npm);
 * an engine that is not installed is reported as not run. Writes bench/results/compare-<time>.json
 * and a Markdown report plus SVG charts (latest.md and latest-*.svg for full runs).
 */
import { Command, InvalidArgumentError } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_DIR } from './lib/results.js';
import { writeCharts } from './compare/charts.js';
import { describeMachine, loadAverage } from './compare/machine.js';
import { renderMarkdown } from './compare/report.js';
import { runPlan } from './compare/runner.js';
import { FULL, QUICK, TINY } from './compare/sizes.js';
import { ENGINES, WORKLOADS, type EngineName, type WorkloadName } from './compare/types.js';

function listOf<T extends string>(allowed: readonly T[], what: string) {
  return (text: string): T[] => {
    const items = text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) {
        throw new InvalidArgumentError(`unknown ${what} "${item}"; allowed: ${allowed.join(', ')}`);
      }
    }
    return items as T[];
  };
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${text}"`);
  return n;
}

const program = new Command('bench')
  .description('tickflow vs BullMQ/Redis and Restate: workloads W1–W7')
  .option('--quick', 'small sizes, 1 run by default (~5 minutes)')
  .option('--tiny', 'tiny sizes, for checking the harness itself')
  .option('--runs <n>', 'runs per engine and workload (median reported)', positiveInt)
  .option('--engines <list>', `comma-separated: ${ENGINES.join(', ')}`, listOf(ENGINES, 'engine'))
  .option('--workloads <list>', `comma-separated: ${WORKLOADS.join(', ')}`, listOf(WORKLOADS, 'workload'))
  .option('--w2-seconds <n>', 'W2 duration per rate (default 60; quick 5)', positiveInt)
  .option('--profile', 'CPU-profile every run (W3 always is); top functions land in the report')
  .parse();

const opts = program.opts<{
  quick?: boolean;
  tiny?: boolean;
  runs?: number;
  engines?: EngineName[];
  workloads?: WorkloadName[];
  w2Seconds?: number;
  profile?: boolean;
}>();

const mode = opts.tiny ? 'tiny' : opts.quick ? 'quick' : 'latest';
const base = opts.tiny ? TINY : opts.quick ? QUICK : FULL;
const sizes = { ...base, ...(opts.w2Seconds ? { w2Seconds: opts.w2Seconds } : {}) };
const runs = opts.runs ?? (mode === 'latest' ? 3 : 1);
const engines = opts.engines ?? [...ENGINES];
const workloads = opts.workloads ?? [...WORKLOADS];
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

await mkdir(RESULTS_DIR, { recursive: true });
const machine = await describeMachine();
const loadBefore = loadAverage();
process.stderr.write(
  `bench: ${engines.join(', ')} × ${workloads.join(', ')} × ${runs} run(s), ${mode} sizes; load ${loadBefore.join(' ')}\n`,
);
const logPath = join(RESULTS_DIR, `compare-${stamp}.log`);
const cells = await runPlan({
  engines,
  workloads,
  runs,
  sizes,
  profile: opts.profile === true,
  logPath,
  childTimeoutMs: (mode === 'latest' ? 30 : 6) * 60_000,
});
const loadAfter = loadAverage();
const at = new Date().toISOString();
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const report = { at, command, machine, loadBefore, loadAfter, runs, sizes, engines, cells };
const jsonPath = join(RESULTS_DIR, `compare-${stamp}.json`);
await writeFile(jsonPath, `${JSON.stringify({ benchmark: 'compare', mode, ...report }, null, 2)}\n`);
const charts = await writeCharts(RESULTS_DIR, cells, sizes, `${mode}-`);
const markdown = renderMarkdown(report, charts);
const mdPath = join(RESULTS_DIR, `${mode}.md`);
await writeFile(mdPath, markdown);
process.stdout.write(
  `${markdown}\nwrote ${mdPath}, ${jsonPath}, ${charts.join(', ')}; child logs in ${logPath}\n`,
);
