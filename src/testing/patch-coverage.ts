import type { PatchBranch } from '../engine/patch-ledger.js';
import type { HistoryEvent } from '../history/events.js';

/** How one patch id figures in one replayed history: the marker it carries and what the code did. */
export interface PatchCoverage {
  /** The id given to `ctx.patched` / `ctx.deprecatePatch`. */
  patchId: string;
  /**
   * The history's marker: `patched` (recorded by `ctx.patched`), `deprecated` (by
   * `ctx.deprecatePatch`), or `none` (the history was written before the patch, or never got there).
   */
  marker: 'patched' | 'deprecated' | 'none';
  /**
   * What the code did on replay: the branch `ctx.patched` took (`patched`, or `unpatched` for the
   * old branch), `deprecated` (`ctx.deprecatePatch`), or `absent` (the code no longer mentions it).
   */
  code: PatchBranch | 'absent';
}

/**
 * Every patch id the history's markers or the code's calls name, in order of first mention
 * (markers first): which instances a patch covers, and which branch of it they run.
 */
export function patchCoverage(
  history: readonly HistoryEvent[],
  branches: ReadonlyMap<string, PatchBranch>,
): PatchCoverage[] {
  const markers = new Map<string, PatchCoverage['marker']>();
  for (const event of history) {
    if (event.type === 'PatchRecorded' && !markers.has(event.patchId)) {
      markers.set(event.patchId, event.deprecated === true ? 'deprecated' : 'patched');
    }
  }
  const ids = new Set([...markers.keys(), ...branches.keys()]);
  return [...ids].map((patchId) => ({
    patchId,
    marker: markers.get(patchId) ?? 'none',
    code: branches.get(patchId) ?? 'absent',
  }));
}

const MARKER_TEXT: Record<PatchCoverage['marker'], string> = {
  patched: 'marker',
  deprecated: 'deprecated marker',
  none: 'no marker',
};

const CODE_TEXT: Record<PatchCoverage['code'], string> = {
  patched: 'new branch',
  unpatched: 'old branch',
  deprecated: 'deprecated in code',
  absent: 'not in code',
};

/** `marker, new branch`: the history's marker, then what the code does with it. */
export function describeCoverage(coverage: PatchCoverage): string {
  return `${MARKER_TEXT[coverage.marker]}, ${CODE_TEXT[coverage.code]}`;
}

/** `courier (marker, new branch)`: the patch id and its coverage. */
export function formatPatchCoverage(coverage: PatchCoverage): string {
  return `${coverage.patchId} (${describeCoverage(coverage)})`;
}
