/**
 * Runs the (run × workload × engine) matrix, one child process per cell run, with a live progress
 * line; collects the figures and their medians.
 */
import { fork } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/stats.js';
import { observeRunStart, type RunStart } from './run-start.js';
import { RUN_CAP, unsupportedReason } from './support.js';
import type {
  ChildMessage,
  ChildTask,
  EngineName,
  Metrics,
  ProfileSummary,
  Sizes,
  WorkloadName,
} from './types.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child.ts');

export interface Plan {
  engines: EngineName[];
  workloads: WorkloadName[];
  runs: number;
  sizes: Sizes;
  profile: boolean;
  /** Child stderr (engine warnings, stack traces) goes here. */
  logPath: string;
  /** A child still running after this long is killed and its run recorded as an error. */
  childTimeoutMs: number;
  /** Called after every child with all cells so far (to save partial results). */
  onProgress?: (cells: Cell[]) => Promise<void>;
}

export interface Cell {
  engine: EngineName;
  workload: WorkloadName;
  runs: Metrics[];
  median: Metrics | undefined;
  notes: string[];
  errors: string[];
  /** The machine as each run found it (load, CPU busy, processes of earlier runs alive). */
  starts: RunStart[];
  unsupported?: string;
  profile?: ProfileSummary;
}

type Outcome = Extract<ChildMessage, { kind: 'result' | 'unsupported' | 'error' }>;

export async function runPlan(plan: Plan): Promise<Cell[]> {
  const cells = new Map<string, Cell>();
  for (const workload of plan.workloads) {
    for (const engine of plan.engines) {
      const cell: Cell = { engine, workload, runs: [], median: undefined, notes: [], errors: [], starts: [] };
      const reason = unsupportedReason(engine, workload);
      if (reason !== undefined) cell.unsupported = reason;
      cells.set(`${workload}/${engine}`, cell);
    }
  }
  const todo = (cell: Cell, run: number): boolean =>
    cell.unsupported === undefined && run <= (RUN_CAP[cell.workload] ?? Infinity);
  const log = createWriteStream(plan.logPath, { flags: 'a' });
  let total = 0;
  for (let run = 1; run <= plan.runs; run++) for (const cell of cells.values()) if (todo(cell, run)) total++;
  const line = new ProgressLine(total);
  // Every process a child reported spawning: the next run checks that none is still alive.
  const spawned: number[] = [];
  try {
    // Runs outermost, so slow drift of the machine's load spreads over every engine alike.
    for (let run = 1; run <= plan.runs; run++) {
      for (const cell of cells.values()) {
        if (!todo(cell, run)) continue;
        line.next(`${cell.workload} ${cell.engine} run ${run}/${plan.runs}`);
        const start = await observeRunStart(spawned);
        cell.starts.push(start);
        if (start.leftovers.length > 0) {
          line.log(`warning: processes of earlier runs still alive: ${start.leftovers.join(', ')}`);
        }
        const task: ChildTask = {
          engine: cell.engine,
          workload: cell.workload,
          run,
          sizes: plan.sizes,
          profile: plan.profile,
        };
        const outcome = await runChild(task, plan.childTimeoutMs, log, (text) => line.update(text), spawned);
        if (outcome.kind === 'result') {
          cell.runs.push(outcome.metrics);
          for (const note of outcome.notes) if (!cell.notes.includes(note)) cell.notes.push(note);
          cell.profile ??= outcome.profile;
        } else if (outcome.kind === 'unsupported') {
          cell.unsupported = outcome.reason;
        } else {
          cell.errors.push(outcome.message.split('\n')[0] ?? outcome.message);
          line.log(`${cell.workload} ${cell.engine} run ${run} failed: ${outcome.message.split('\n')[0]}`);
        }
        cell.median = medianMetrics(cell.runs);
        await plan.onProgress?.([...cells.values()]);
      }
    }
  } finally {
    line.done();
    log.end();
  }
  return [...cells.values()];
}

function runChild(
  task: ChildTask,
  timeoutMs: number,
  log: WriteStream,
  progress: (text: string) => void,
  spawned: number[],
): Promise<Outcome> {
  return new Promise((resolve) => {
    log.write(`\n=== ${new Date().toISOString()} ${task.workload} ${task.engine} run ${task.run}\n`);
    const child = fork(CHILD, [JSON.stringify(task)], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=8192', '--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const servers: number[] = [];
    let outcome: Outcome | undefined;
    const timer = setTimeout(() => {
      outcome ??= { kind: 'error', message: `timed out after ${Math.round(timeoutMs / 1000)} s` };
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'progress') progress(message.text);
      else if (message.kind === 'spawned') {
        servers.push(message.pid);
        spawned.push(message.pid);
      } else outcome ??= message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Servers a killed child could not stop: signal them by the pids it reported.
      for (const pid of servers) killIfAlive(pid);
      resolve(outcome ?? { kind: 'error', message: `child exited (${signal ?? code}) without a result` });
    });
  });
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: the normal case.
  }
}

/** One status line, rewritten in place on a terminal, or printed every 15 s otherwise. */
class ProgressLine {
  readonly #total: number;
  readonly #tty = process.stderr.isTTY;
  readonly #started = Date.now();
  #index = 0;
  #label = '';
  #lastPrinted = 0;

  constructor(total: number) {
    this.#total = total;
  }

  next(label: string): void {
    this.#index++;
    this.#label = label;
    this.update('starting');
  }

  update(text: string): void {
    const elapsed = Math.round((Date.now() - this.#started) / 1000);
    const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`;
    const status = `[${this.#index}/${this.#total} ${clock}] ${this.#label}: ${text}`;
    if (this.#tty) {
      const width = process.stderr.columns || 120;
      process.stderr.write(`\r\x1b[K${status.slice(0, width - 1)}`);
    } else if (Date.now() - this.#lastPrinted > 15_000 || text === 'starting') {
      this.#lastPrinted = Date.now();
      process.stderr.write(`${status}\n`);
    }
  }

  log(text: string): void {
    if (this.#tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${text}\n`);
  }

  done(): void {
    if (this.#tty) process.stderr.write('\r\x1b[K');
  }
}

/** Figures that take one of a few values (a tested rate): a median must be one of them. */
const DISCRETE = new Set(['maxRateP99Under1s']);

function lowerMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/**
 * The median of each figure over the runs that have it (a run may lack one, e.g. a W2 rate it
 * skipped); undefined when there are no runs.
 */
export function medianMetrics(runs: readonly Metrics[]): Metrics | undefined {
  if (runs.length === 0) return undefined;
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  const out: Metrics = {};
  for (const key of keys) {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined && !Number.isNaN(v));
    out[key] = values.length === 0 ? Number.NaN : DISCRETE.has(key) ? lowerMedian(values) : median(values);
  }
  return out;
}
