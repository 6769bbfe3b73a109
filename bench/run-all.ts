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
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_DIR } from './lib/results.js';
import { writeCharts } from './compare/charts.js';
import { describeMachine, loadAverage } from './compare/machine.js';
import { renderMarkdown, type Report } from './compare/report.js';
import { medianMetrics, runPlan } from './compare/runner.js';
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
  .option('--render <json>', 'only re-render the report and charts from a saved compare-*.json')
  .parse();

const opts = program.opts<{
  quick?: boolean;
  tiny?: boolean;
  runs?: number;
  engines?: EngineName[];
  workloads?: WorkloadName[];
  w2Seconds?: number;
  profile?: boolean;
  render?: string;
}>();

if (opts.render !== undefined) {
  const saved = JSON.parse(await readFile(opts.render, 'utf8')) as Report & { mode: string };
  for (const cell of saved.cells) cell.median = medianMetrics(cell.runs);
  await publish(saved, saved.mode);
  process.exit(0);
}

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
const jsonPath = join(RESULTS_DIR, `compare-${stamp}.json`);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const partial = (cells: Report['cells']): Report => ({
  at: new Date().toISOString(),
  command,
  machine,
  loadBefore,
  loadAfter: loadAverage(),
  runs,
  sizes,
  engines,
  cells,
});
const cells = await runPlan({
  engines,
  workloads,
  runs,
  sizes,
  profile: opts.profile === true,
  logPath,
  childTimeoutMs: (mode === 'latest' ? 30 : 6) * 60_000,
  // Saved after every child, so an interrupted run still leaves its figures (see --render).
  onProgress: (soFar) => saveJson(partial(soFar)),
});
const report = partial(cells);
await saveJson(report);
await publish(report, mode);
process.stdout.write(`\nwrote ${jsonPath}; child logs in ${logPath}\n`);

async function saveJson(r: Report): Promise<void> {
  await writeFile(jsonPath, `${JSON.stringify({ benchmark: 'compare', mode, ...r }, null, 2)}\n`);
}

/** The Markdown report and its SVG charts, in bench/results/. */
async function publish(r: Report, name: string): Promise<void> {
  const charts = await writeCharts(RESULTS_DIR, r.cells, r.sizes, `${name}-`);
  const markdown = renderMarkdown(r, charts);
  const mdPath = join(RESULTS_DIR, `${name}.md`);
  await writeFile(mdPath, markdown);
  process.stdout.write(`${markdown}\nwrote ${mdPath}, ${charts.join(', ')}\n`);
}
