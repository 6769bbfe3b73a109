import type { HistoryEvent, PatchRecordedEvent } from '../history/events.js';
import { NonDeterminismError } from './errors.js';

/** How the code met one patch id in a generation: the branch `ctx.patched` chose, or a deprecation. */
export type PatchBranch = 'patched' | 'unpatched' | 'deprecated';

/** A marker the code made in the step being run, to be recorded as a PatchRecorded event. */
export interface NewPatchMarker {
  patchId: string;
  deprecated: boolean;
}

/**
 * The version markers of one generation (`ctx.patched` / `ctx.deprecatePatch`), kept apart from
 * the sequence-id log because markers take no ids: adding or removing a patch check must not shift
 * the ids of the actions around it.
 *
 * Which branch `patched(id)` takes depends on the step, not on the whole history: a marker is
 * recorded in the step where the code first took the patched branch, so on replay the answer is
 * true from that step on and false before it (and in histories written before the patch). The
 * executor therefore announces each step's markers (`foresee`) before the code runs the step,
 * and matches them (`match`) when the records are applied after it.
 */
export class PatchLedger {
  /** Markers history holds up to and including the step being run, with their deprecated flag. */
  readonly #inHistory = new Map<string, boolean>();
  /** Markers made in the step being run, not yet recorded. */
  readonly #made = new Map<string, boolean>();
  /** Every patch id the code asked about in this generation, and how. */
  readonly #branches = new Map<string, PatchBranch>();
  /** Markers of history already matched, so a repeated one is told apart. */
  readonly #matched = new Set<string>();

  /**
   * Announces the markers of the step that starts at `events[from]` (up to the next
   * OrchestratorStarted) before the code runs that step: they are recorded after it.
   */
  foresee(events: readonly HistoryEvent[], from: number): void {
    for (let i = from; i < events.length; i++) {
      const event = events[i];
      if (!event || (i > from && event.type === 'OrchestratorStarted')) return;
      if (event.type === 'PatchRecorded' && !this.#inHistory.has(event.patchId)) {
        this.#inHistory.set(event.patchId, event.deprecated === true);
      }
    }
  }

  /**
   * `ctx.patched(id)` (deprecated false) or `ctx.deprecatePatch(id)` (true). True when history has
   * the marker by this step, or a marker was made earlier in this step. Otherwise, in a step that
   * history already recorded, the history predates the patch: false, and nothing is recorded. In
   * a new step the code takes the patched branch and a marker is made.
   */
  decide(patchId: string, deprecated: boolean, recordedStep: boolean): boolean {
    let patched = this.#inHistory.has(patchId) || this.#made.has(patchId);
    if (!patched && !recordedStep) {
      this.#made.set(patchId, deprecated);
      patched = true;
    }
    const branch: PatchBranch = deprecated ? 'deprecated' : patched ? 'patched' : 'unpatched';
    // An old branch taken once stays the story of this instance: it still depends on that code.
    if (this.#branches.get(patchId) !== 'unpatched') this.#branches.set(patchId, branch);
    return patched;
  }

  /** The markers made since the last call, in the order they were made; they become history. */
  takeNew(): NewPatchMarker[] {
    const made = [...this.#made].map(([patchId, deprecated]) => ({ patchId, deprecated }));
    this.#made.clear();
    return made;
  }

  /**
   * Matches a marker of history against the code. The code must have asked about the patch (by
   * `patched` or `deprecatePatch`) by the end of the marker's step; only a deprecated marker may
   * go unasked, as the code that dropped the patch altogether still takes its patched branch.
   * Throws `NonDeterminismError` at `sequenceId` (where the code had got to) otherwise; returns
   * `duplicate` for a marker seen before.
   */
  match(event: PatchRecordedEvent, sequenceId: number): 'matched' | 'duplicate' {
    if (this.#matched.has(event.patchId)) return 'duplicate';
    this.#inHistory.set(event.patchId, this.#inHistory.get(event.patchId) ?? event.deprecated === true);
    if (!this.#branches.has(event.patchId) && event.deprecated !== true) {
      throw new NonDeterminismError(sequenceId, describePatchMarker(event), 'nothing');
    }
    this.#matched.add(event.patchId);
    return 'matched';
  }

  /** Each patch id the code asked about in this generation, and the branch it took. */
  get branches(): ReadonlyMap<string, PatchBranch> {
    return this.#branches;
  }
}

/** How NonDeterminismError names a marker history recorded. */
export function describePatchMarker(event: PatchRecordedEvent): string {
  return `PatchRecorded ${JSON.stringify(event.patchId)}${event.deprecated === true ? ' (deprecated)' : ''}`;
}
