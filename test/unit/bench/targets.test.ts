/**
 * The benchmark report's target table (bench/compare/targets.ts): verdicts from the medians, and
 * beside them the ratios run by run, so a reader sees how far a verdict stands from the spread.
 */
import test from 'ava';
import type { Cell } from '../../../bench/compare/runner.js';
import { checkTargets } from '../../../bench/compare/targets.js';
import type { EngineName, Metrics, WorkloadName } from '../../../bench/compare/types.js';

function cell(workload: WorkloadName, engine: EngineName, runs: Metrics[], median: Metrics): Cell {
  return { workload, engine, runs, median, notes: [], errors: [], starts: [] };
}

const row = (lines: string[], start: string): string => lines.find((l) => l.startsWith(`| ${start}`)) ?? '';

test('W1: the verdict comes from the medians, the pairs from each run against the peer run beside it', (t) => {
  const lines = checkTargets([
    cell('W1', 'tickflow', [{ firedPerSec: 30_000 }, { firedPerSec: 40_000 }, { firedPerSec: 36_000 }], {
      firedPerSec: 36_000,
    }),
    cell('W1', 'bullmq-always', [{ firedPerSec: 10_000 }, { firedPerSec: 16_000 }, { firedPerSec: 9_000 }], {
      firedPerSec: 10_000,
    }),
  ]);
  const w1 = row(lines, 'W1 fire rate');
  t.regex(w1, /✓ met/);
  t.regex(w1, /= 3\.60× \(pairs 3\.00, 2\.50, 4\.00×\)/);
});

test('W4 and W6: pairs for the shipped mode only; a single run shows none', (t) => {
  const lines = checkTargets([
    cell(
      'W4',
      'tickflow',
      [
        { 'hello5.workflowsPerSec': 600, 'inline.hello5.workflowsPerSec': 1_200 },
        { 'hello5.workflowsPerSec': 500, 'inline.hello5.workflowsPerSec': 1_100 },
      ],
      { 'hello5.workflowsPerSec': 550, 'inline.hello5.workflowsPerSec': 1_150 },
    ),
    cell('W4', 'restate', [{ 'hello5.workflowsPerSec': 400 }, { 'hello5.workflowsPerSec': 400 }], {
      'hello5.workflowsPerSec': 400,
    }),
    cell(
      'W6',
      'tickflow',
      [
        {
          'long.msPerStep': 1.1,
          'long.endOver100': 0.9,
          'long.msPerStepAt100': 1.2,
          'long.msPerStepAtEnd': 1.08,
        },
      ],
      {
        'long.msPerStep': 1.1,
        'long.endOver100': 0.9,
        'long.msPerStepAt100': 1.2,
        'long.msPerStepAtEnd': 1.08,
      },
    ),
    cell(
      'W6',
      'restate',
      [{ 'long.msPerStep': 1.0, 'long.msPerStepAt100': 1.1, 'long.msPerStepAtEnd': 1.0 }],
      { 'long.msPerStep': 1.0, 'long.msPerStepAt100': 1.1, 'long.msPerStepAtEnd': 1.0 },
    ),
  ]);
  const shipped = row(lines, 'W4 5 steps: workflows/s');
  t.regex(shipped, /✗ \*\*missed\*\*/, '550 is under 1.5 × 400');
  t.regex(shipped, /\(pairs 1\.50, 1\.25×\)/);
  const inline = row(lines, 'W4 5 steps, inline activities: workflows/s');
  t.regex(inline, /✓ met/);
  t.notRegex(inline, /pairs/);
  const w6 = row(lines, 'W6 cache on, activities as shipped');
  t.regex(w6, /✗ \*\*missed\*\*/, '1.1 ms per step is not below 1.0');
  t.notRegex(w6, /pairs/, 'one run each: nothing to pair');
});
