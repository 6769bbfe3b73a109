import { invalidInputMessage } from '../common/invalid-input.js';
import { StoreQuotaWarning } from './store-quota.js';

/** One member's backend as its Status answer describes it, at one moment. */
export interface MemberSample {
  /** etcd's member id (decimal string), as alarms name it. */
  id: string;
  /** A name for logs and metric labels: the member name, else its client URL. */
  name: string;
  /** Bytes the backend file occupies (what the quota is checked against). */
  dbSize: number;
  /** Bytes of it holding live pages; the rest is free pages a defragmentation would give back. */
  dbSizeInUse: number;
  /** Raft entries this member has committed so far; its rate says how busy the cluster is. */
  raftIndex: number;
  isLeader: boolean;
}

/** What one poll saw of the whole cluster. */
export interface MaintenanceSample {
  members: readonly MemberSample[];
  /** Ids of members with a NOSPACE alarm raised. */
  noSpaceAlarms: readonly string[];
  /** The store's current revision (0 when unknown). */
  revision?: number;
}

/** When to warn, defragment and recover: the thresholds of the maintenance policy. */
export interface MaintenancePolicyOptions {
  /** The cluster's --quota-backend-bytes, which sizes are compared with. */
  quotaBytes: number;
  /** Defragment members when it pays. Default true. */
  defragment?: boolean;
  /** Clear a NOSPACE alarm (compact, defragment, disarm). Default true. */
  recover?: boolean;
  /** Warn once a member's backend reaches this share of the quota. Default 0.8. */
  warnRatio?: number;
  /** ... and warn again only after it fell below this share (no warning per poll near the line). Default 0.7. */
  rearmRatio?: number;
  /** A defragmentation must give back at least this much. Default 64 MiB. */
  minReclaimBytes?: number;
  /** ... and at least this share of the file. Default 0.5. */
  minReclaimRatio?: number;
  /** Leave a member alone this long after defragmenting it. Default 10 min. */
  minDefragIntervalMs?: number;
  /** The cluster counts as quiet below this many raft entries per second. Default 50. */
  quietEntriesPerSecond?: number;
  /** Waiting for a quiet moment ends after this long: the defragmentation runs anyway. Default 10 min. */
  maxDeferMs?: number;
  /** After a recovery that could not disarm (live data near the quota), try again after this long. Default 60 s. */
  recoverRetryMs?: number;
  /** Disarm only if every member's backend is below this share of the quota afterwards. Default 0.9. */
  disarmBelowRatio?: number;
  /**
   * Keep this many revisions of history, compacting the rest away as it goes. Default: none
   * (compaction is left to etcd's --auto-compaction-*). etcd 3.4's revision-mode auto-compaction
   * only runs every 5 minutes, so at thousands of writes a second the backend holds 5 minutes of
   * history on top of the retention; compacting at every poll keeps it to the retention.
   */
  compactRetention?: number | undefined;
  /**
   * With `compactRetention`: also keep no more than this much history by time. tickflow commits
   * many keys per transaction, so a revision can hold kilobytes and 100,000 revisions hundreds of
   * MiB; history only serves watchers catching up after a short disconnect (one further behind
   * re-lists). Default: no bound by time.
   */
  compactRetentionMs?: number | undefined;
}

export type MaintenanceDecision =
  | { kind: 'idle' }
  /** Drop history before `revision`. */
  | { kind: 'compact'; revision: number }
  /** Compact to the current revision, defragment every member (one at a time), then disarm. */
  | { kind: 'recover'; reason: 'alarm' | 'write-refused' }
  | {
      kind: 'defragment';
      member: MemberSample;
      reclaimableBytes: number;
      /** Why now: enough to give back and a quiet moment, waited long enough, or the quota is near. */
      why: 'quiet' | 'waited' | 'quota';
    };

export interface MaintenanceVerdict {
  decision: MaintenanceDecision;
  /** Warnings to report now (each crossing of the warning line once per member). */
  warnings: Error[];
}

const MiB = 2 ** 20;

/**
 * Decides, from periodic Status samples, when to defragment which etcd member and when to clear a
 * NOSPACE alarm. Pure: time comes in as arguments, so it is tested with a FakeClock.
 *
 * Defragmentation rewrites a member's whole backend and blocks that member's reads and writes
 * while it runs (a single-member etcd: every trigger commit waits). So it runs only when it pays:
 * a real amount of free pages (bbolt reuses free pages, so a steady store with some of them needs
 * nothing), on one member per decision (the caller runs decisions one after another), followers
 * before the leader (a leader that stalls stalls the cluster's writes), at a quiet moment if one
 * comes within `maxDeferMs`, and at once when the backend nears the quota.
 */
export class MaintenancePolicy {
  readonly #o: Required<Omit<MaintenancePolicyOptions, 'compactRetention' | 'compactRetentionMs'>>;
  readonly #compactRetention: number | undefined;
  readonly #compactRetentionMs: number | undefined;
  #compactedTo = 0;
  /** (time, revision) of recent samples, oldest first, to find the revision of `compactRetentionMs` ago. */
  #revisions: Array<{ at: number; revision: number }> = [];
  /** Per member: when it was last defragmented. */
  readonly #lastDefrag = new Map<string, number>();
  /** Per member: since when a defragmentation has been owed but deferred. */
  readonly #owedSince = new Map<string, number>();
  /** Members above the warning line, already warned about. */
  readonly #warned = new Set<string>();
  /** Per member: last raft index and when it was seen, to tell the write rate. */
  readonly #lastIndex = new Map<string, { at: number; index: number }>();
  #writeRefusedAt: number | undefined;
  #recoverNotBefore = 0;

  constructor(options: MaintenancePolicyOptions) {
    const { compactRetention, compactRetentionMs, ...rest } = options;
    const o: Required<Omit<MaintenancePolicyOptions, 'compactRetention' | 'compactRetentionMs'>> = {
      defragment: true,
      recover: true,
      warnRatio: 0.8,
      rearmRatio: 0.7,
      minReclaimBytes: 64 * MiB,
      minReclaimRatio: 0.5,
      minDefragIntervalMs: 10 * 60_000,
      quietEntriesPerSecond: 50,
      maxDeferMs: 10 * 60_000,
      recoverRetryMs: 60_000,
      disarmBelowRatio: 0.9,
      ...rest,
    };
    if (
      compactRetention !== undefined &&
      !(Number.isSafeInteger(compactRetention) && compactRetention >= 1)
    ) {
      throw new RangeError(invalidInputMessage('compactRetention', compactRetention, 'an integer >= 1'));
    }
    if (
      compactRetentionMs !== undefined &&
      !(Number.isFinite(compactRetentionMs) && compactRetentionMs > 0)
    ) {
      throw new RangeError(
        invalidInputMessage('compactRetentionMs', compactRetentionMs, 'a number of milliseconds > 0'),
      );
    }
    this.#compactRetention = compactRetention;
    this.#compactRetentionMs = compactRetentionMs;
    if (!Number.isFinite(o.quotaBytes) || o.quotaBytes <= 0) {
      throw new RangeError(invalidInputMessage('quotaBytes', o.quotaBytes, 'a number of bytes > 0'));
    }
    for (const field of ['warnRatio', 'rearmRatio', 'minReclaimRatio', 'disarmBelowRatio'] as const) {
      if (!(o[field] > 0 && o[field] <= 1)) {
        throw new RangeError(invalidInputMessage(field, o[field], 'a share in (0, 1]'));
      }
    }
    if (o.rearmRatio > o.warnRatio) {
      throw new RangeError(
        invalidInputMessage('rearmRatio', o.rearmRatio, `at most warnRatio (${o.warnRatio})`),
      );
    }
    this.#o = o;
  }

  get quotaBytes(): number {
    return this.#o.quotaBytes;
  }

  get disarmBelowBytes(): number {
    return this.#o.disarmBelowRatio * this.#o.quotaBytes;
  }

  /** A write failed with "database space exceeded": recover at the next decision, alarm or not. */
  noteWriteRefused(now: number): void {
    this.#writeRefusedAt = now;
  }

  /** History before `revision` is gone (compacted by us, by etcd, or by anyone). */
  compacted(revision: number): void {
    this.#compactedTo = Math.max(this.#compactedTo, revision);
  }

  /** The caller defragmented `memberId` at `now`. */
  defragmented(memberId: string, now: number): void {
    this.#lastDefrag.set(memberId, now);
    this.#owedSince.delete(memberId);
  }

  /**
   * The caller ran a recovery at `now`. `disarmed` false (live data still near the quota) holds
   * the next attempt back for `recoverRetryMs`, instead of rewriting the backend every poll.
   */
  recovered(memberIds: readonly string[], now: number, disarmed: boolean): void {
    for (const id of memberIds) this.defragmented(id, now);
    this.#writeRefusedAt = undefined;
    this.#recoverNotBefore = disarmed ? 0 : now + this.#o.recoverRetryMs;
  }

  /** What to do now, given a fresh sample. */
  decide(sample: MaintenanceSample, now: number): MaintenanceVerdict {
    const warnings = this.#quotaWarnings(sample.members);
    const rates = this.#writeRates(sample.members, now);
    const trouble =
      sample.noSpaceAlarms.length > 0
        ? 'alarm'
        : this.#writeRefusedAt !== undefined
          ? 'write-refused'
          : undefined;
    if (trouble !== undefined) {
      if (this.#o.recover && now >= this.#recoverNotBefore) {
        return { decision: { kind: 'recover', reason: trouble }, warnings };
      }
      // Nothing else helps while writes are refused, and a defragmentation alone would not disarm.
      return { decision: { kind: 'idle' }, warnings };
    }
    const compact = this.#compactDecision(sample.revision ?? 0, now);
    if (compact) return { decision: compact, warnings };
    if (!this.#o.defragment) return { decision: { kind: 'idle' }, warnings };
    return { decision: this.#defragDecision(sample.members, rates, now), warnings };
  }

  /**
   * Compacts once a tenth of the retention (at least 1,000 revisions) has piled up beyond it: often
   * enough to keep history near the retention, seldom enough that each compaction has work to do.
   * With a time bound, the revision sampled `compactRetentionMs` ago is the limit if it is newer.
   */
  #compactDecision(revision: number, now: number): MaintenanceDecision | undefined {
    const retention = this.#compactRetention;
    if (retention === undefined || revision <= 0) return undefined;
    let target = revision - retention;
    const retentionMs = this.#compactRetentionMs;
    if (retentionMs !== undefined) {
      this.#revisions.push({ at: now, revision });
      let cut = 0;
      while (
        cut + 1 < this.#revisions.length &&
        (this.#revisions[cut + 1]?.at ?? Infinity) <= now - retentionMs
      )
        cut++;
      // Keep the newest sample at least retentionMs old: it is the limit; older ones are no longer needed.
      this.#revisions.splice(0, cut);
      const old = this.#revisions[0];
      if (old !== undefined && old.at <= now - retentionMs) target = Math.max(target, old.revision);
    }
    if (target <= this.#compactedTo + Math.min(Math.max(1_000, retention / 10), retention)) return undefined;
    return { kind: 'compact', revision: target };
  }

  #defragDecision(
    members: readonly MemberSample[],
    rates: ReadonlyMap<string, number>,
    now: number,
  ): MaintenanceDecision {
    const o = this.#o;
    const quiet = [...rates.values()].every((rate) => rate < o.quietEntriesPerSecond);
    const candidates: Array<{
      member: MemberSample;
      reclaimable: number;
      why: 'quiet' | 'waited' | 'quota';
    }> = [];
    for (const member of members) {
      const reclaimable = Math.max(0, member.dbSize - member.dbSizeInUse);
      const last = this.#lastDefrag.get(member.id);
      const rested = last === undefined || now - last >= o.minDefragIntervalMs;
      const nearQuota = member.dbSize >= o.warnRatio * o.quotaBytes;
      // Near the quota even a smaller share is worth giving back: it is what stands between the
      // member and the NOSPACE alarm.
      const pays = nearQuota
        ? reclaimable >= Math.min(o.minReclaimBytes, 0.1 * o.quotaBytes)
        : reclaimable >= o.minReclaimBytes && reclaimable >= o.minReclaimRatio * member.dbSize;
      if (!pays) {
        this.#owedSince.delete(member.id);
        continue;
      }
      if (!this.#owedSince.has(member.id)) this.#owedSince.set(member.id, now);
      if (!rested) continue;
      const owedFor = now - (this.#owedSince.get(member.id) ?? now);
      const why = nearQuota ? 'quota' : quiet ? 'quiet' : owedFor >= o.maxDeferMs ? 'waited' : undefined;
      if (why !== undefined) candidates.push({ member, reclaimable, why });
    }
    // Followers first, the one with most to give back first among them; the leader last.
    candidates.sort(
      (a, b) => Number(a.member.isLeader) - Number(b.member.isLeader) || b.reclaimable - a.reclaimable,
    );
    const first = candidates[0];
    if (!first) return { kind: 'idle' };
    return { kind: 'defragment', member: first.member, reclaimableBytes: first.reclaimable, why: first.why };
  }

  #quotaWarnings(members: readonly MemberSample[]): Error[] {
    const o = this.#o;
    const out: Error[] = [];
    for (const member of members) {
      if (member.dbSize >= o.warnRatio * o.quotaBytes) {
        if (this.#warned.has(member.id)) continue;
        this.#warned.add(member.id);
        out.push(new StoreQuotaWarning(member.name, member.dbSize, member.dbSizeInUse, o.quotaBytes));
      } else if (member.dbSize < o.rearmRatio * o.quotaBytes) {
        this.#warned.delete(member.id);
      }
    }
    return out;
  }

  /** Raft entries per second per member since the previous sample (none for a first sample). */
  #writeRates(members: readonly MemberSample[], now: number): Map<string, number> {
    const rates = new Map<string, number>();
    for (const member of members) {
      const previous = this.#lastIndex.get(member.id);
      this.#lastIndex.set(member.id, { at: now, index: member.raftIndex });
      if (previous === undefined || now <= previous.at) {
        // Unknown counts as busy: a first sample must not pass for a quiet moment.
        rates.set(member.id, Infinity);
        continue;
      }
      rates.set(member.id, (Math.max(0, member.raftIndex - previous.index) * 1000) / (now - previous.at));
    }
    return rates;
  }
}
