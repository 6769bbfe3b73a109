import { NonDeterminismError } from '../engine/errors.js';
import { describeCoverage } from './patch-coverage.js';
import type { ReplayResult } from './replay.js';

/**
 * The verdict over many replayed histories, as `tickflow replay` prints it after the per-history
 * lines: which instances the code change would break (and where), then, per patch id, which
 * instances it covers and which branch each runs, e.g.
 *
 *     would break 1 of 3: o-7 at sequence id 3
 *     patch courier: marker, new branch: o-9; no marker, old branch: o-3
 *
 * Nothing for a clean replay without patches.
 */
export function replaySummary(results: readonly ReplayResult[]): string[] {
  const lines: string[] = [];
  const failures = results.filter((r) => !r.ok);
  if (failures.length > 0) {
    const where = failures.map((r) => {
      const at =
        r.error instanceof NonDeterminismError ? `at sequence id ${r.error.sequenceId}` : r.error.name;
      return `${labelOf(r)} ${at}`;
    });
    lines.push(`would break ${failures.length} of ${results.length}: ${where.join(', ')}`);
  }
  // Per patch id, the instances grouped by how they meet it, both in order of first appearance.
  const patches = new Map<string, Map<string, string[]>>();
  for (const result of results) {
    for (const coverage of result.patches) {
      const groups = patches.get(coverage.patchId) ?? new Map<string, string[]>();
      patches.set(coverage.patchId, groups);
      const group = describeCoverage(coverage);
      groups.set(group, [...(groups.get(group) ?? []), labelOf(result)]);
    }
  }
  for (const [patchId, groups] of patches) {
    const parts = [...groups].map(([group, labels]) => `${group}: ${labels.join(', ')}`);
    lines.push(`patch ${patchId}: ${parts.join('; ')}`);
  }
  return lines;
}

/** An instance by its id, or the history's source when it could not be read. */
function labelOf(result: ReplayResult): string {
  return result.instanceId ?? result.source;
}
