import { etcd3Credentials, type EtcdCredentials } from './etcd-credentials.js';
import { Etcd3, type IStatusResponse } from 'etcd3';
import { EventEmitter } from 'eventemitter3';
import { systemClock, type Clock } from '../common/clock.js';
import { CoalescedWarnings } from '../common/coalesced-warnings.js';
import { hostBreaker } from './host-breaker.js';
import { reachableClientUrl } from './etcd-listen.js';
import { httpGet } from './etcd-process.js';
import {
  MaintenancePolicy,
  type MaintenanceDecision,
  type MaintenancePolicyOptions,
  type MaintenanceSample,
  type MemberSample,
} from './maintenance-policy.js';
import { retryUnsent } from './retry-unsent.js';
import { formatBytes, isNoSpaceError, NoSpaceAlarmError } from './store-quota.js';

/** etcd's own default for --quota-backend-bytes, assumed for a cluster that does not tell. */
export const ETCD_DEFAULT_QUOTA_BYTES = 2 * 1024 ** 3;

/** Options of `EtcdMaintenance`: the cluster, its quota, how often to poll, and the policy's thresholds. */
export interface EtcdMaintenanceOptions
  extends Omit<MaintenancePolicyOptions, 'quotaBytes'>, EtcdCredentials {
  /** Client URLs of the cluster; every member is found through them (member list). */
  hosts: string[];
  /**
   * The cluster's --quota-backend-bytes. Default: read from the first member's `/metrics`
   * (`etcd_server_quota_backend_bytes`), else etcd's default of 2 GiB.
   */
  quotaBytes?: number;
  /** Where time comes from (default the system clock). */
  clock?: Clock;
  /** Time between two Status polls. Default 10 s. */
  intervalMs?: number;
  /** Deadline of Status, alarm and member-list calls. Default 5 s. */
  requestTimeoutMs?: number;
  /** Deadline of one member's defragmentation (it rewrites the whole backend). Default 5 min. */
  defragTimeoutMs?: number;
}

/** One defragmentation of one member: how long it took and what it gave back (sizes in bytes). */
export interface DefragReport {
  /** The member's name (else its client URL). */
  member: string;
  /** When it began, by the maintenance clock. */
  startedAt: number;
  durationMs: number;
  dbSizeBefore: number;
  dbSizeAfter: number;
  /** Why the policy chose to defragment it. */
  why: string;
}

/** One recovery from etcd's NOSPACE condition (compact, defragment every member, disarm); sizes in bytes. */
export interface RecoveryReport {
  /** What started it: a raised NOSPACE alarm, or a write refused for lack of space. */
  reason: 'alarm' | 'write-refused';
  /** The revision everything before was compacted away, if the compaction ran. */
  compactedTo: number | undefined;
  defragmented: DefragReport[];
  /** Whether the NOSPACE alarm was disarmed (writes accepted again). */
  disarmed: boolean;
  durationMs: number;
  /** Largest backend among members, before and after. */
  dbSizeBefore: number;
  dbSizeAfter: number;
  quotaBytes: number;
}

/** One poll's sample of every member, with the time it was taken. */
export interface MaintenanceSnapshot extends MaintenanceSample {
  /** When it was taken, epoch milliseconds by the maintenance clock. */
  at: number;
}

/** Events of `EtcdMaintenance`: each poll's sample, each defragmentation and recovery, and warnings. */
export interface EtcdMaintenanceEvents {
  /** After every poll that answered. */
  sample: (snapshot: MaintenanceSnapshot) => void;
  /** After a routine defragmentation of one member. */
  defragmented: (report: DefragReport) => void;
  /** After a NOSPACE recovery, whether or not it could disarm the alarm. */
  recovered: (report: RecoveryReport) => void;
  /**
   * Something needs attention: a member near the quota, a failed poll or step, a NOSPACE alarm
   * that stays raised (repeats of these errors are coalesced).
   */
  warning: (error: Error) => void;
}

interface Member {
  id: string;
  name: string;
  endpoint: string;
}

/**
 * Keeps an etcd cluster's backend from filling up or fragmenting into a stall: polls every
 * member's Status, reports sizes against the quota (warning at 80 %), defragments a member when
 * MaintenancePolicy says it pays, and clears a NOSPACE alarm (compact to the current revision,
 * defragment each member, disarm). Decisions run one after another, so at most one member is
 * being defragmented at a time by this process.
 *
 * Uses its own etcd3 clients: etcd3's default fault handling opens a circuit breaker after a few
 * "database space exceeded" answers, which would shut out the very calls that clear the alarm;
 * and a defragmentation must go to one chosen member, not whichever the pool picks.
 */
export class EtcdMaintenance extends EventEmitter<EtcdMaintenanceEvents> {
  readonly #options: EtcdMaintenanceOptions;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #requestTimeoutMs: number;
  readonly #defragTimeoutMs: number;
  readonly #client: Etcd3;
  readonly #memberClients = new Map<string, Etcd3>();
  readonly #warnings: CoalescedWarnings;
  #policy: MaintenancePolicy | undefined;
  #last: MaintenanceSnapshot | undefined;
  #cancelTick: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #defragmentations = 0;
  #recoveries = 0;

  /** Creates the upkeep; it does nothing until `start()`. */
  constructor(options: EtcdMaintenanceOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#defragTimeoutMs = options.defragTimeoutMs ?? 5 * 60_000;
    this.#client = this.#newClient(options.hosts);
    // A stuck cluster would otherwise repeat the same warning every poll.
    this.#warnings = new CoalescedWarnings({
      clock: this.#clock,
      intervalMs: 5 * 60_000,
      emit: (error) => this.emit('warning', error),
    });
  }

  /** The latest sample, for metrics; undefined before the first poll answered. */
  get lastSample(): MaintenanceSnapshot | undefined {
    return this.#last;
  }

  /** The quota sizes are compared with; undefined before `start`. */
  get quotaBytes(): number | undefined {
    return this.#policy?.quotaBytes;
  }

  /** Routine defragmentations run so far (those of a NOSPACE recovery are not counted). */
  get defragmentations(): number {
    return this.#defragmentations;
  }

  /** NOSPACE recoveries run so far. */
  get recoveries(): number {
    return this.#recoveries;
  }

  /** Learns the quota, runs a first poll (and whatever it calls for) and keeps polling. */
  async start(): Promise<void> {
    if (this.#policy) return;
    const quotaBytes = this.#options.quotaBytes ?? (await this.#readQuota());
    this.#policy = new MaintenancePolicy({ ...this.#options, quotaBytes });
    await this.#tick();
  }

  /**
   * Stops polling and closes the clients; nothing new is started after this. A call already in
   * flight is not waited for (closing an etcd3 client does not cut it short, so a paused etcd would
   * hold the caller until its deadline): a defragmentation already sent completes inside etcd, and
   * the step it belongs to ends there.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTick?.();
    this.#client.close();
    for (const client of this.#memberClients.values()) client.close();
    this.#memberClients.clear();
    this.#warnings.flush();
  }

  /**
   * Feed store errors seen elsewhere (trigger commits, workflow steps): a write refused for lack of
   * space starts a recovery now rather than at the next poll.
   */
  noticeError(error: unknown): void {
    if (this.#stopped || !this.#policy || !isNoSpaceError(error)) return;
    this.#policy.noteWriteRefused(this.#clock.now());
    this.poll();
  }

  /** Polls now (or right after the poll under way). */
  poll(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#cancelTick?.();
    void this.#tick();
  }

  #tick(): Promise<void> {
    this.#cancelTick = undefined;
    const run = (async () => {
      try {
        await this.#step();
      } catch (error) {
        // Stopping closed the clients under the step: that is no fault to report.
        if (this.#stopped) return;
        this.#warnings.report(
          new Error(`etcd maintenance: ${error instanceof Error ? error.message : String(error)}`, {
            cause: error,
          }),
        );
      }
    })();
    this.#running = run.finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        void this.#tick();
        return;
      }
      this.#cancelTick = this.#clock.schedule(this.#clock.now() + this.#intervalMs, () => void this.#tick());
    });
    return this.#running;
  }

  async #step(): Promise<void> {
    const policy = this.#policy;
    if (!policy) return;
    const members = await this.#members();
    const snapshot = await this.#sample(members);
    this.#last = snapshot;
    this.emit('sample', snapshot);
    const verdict = policy.decide(snapshot, snapshot.at);
    for (const warning of verdict.warnings) this.emit('warning', warning);
    if (this.#stopped) return;
    await this.#execute(verdict.decision, members, snapshot);
  }

  async #execute(
    decision: MaintenanceDecision,
    members: Member[],
    snapshot: MaintenanceSnapshot,
  ): Promise<void> {
    const policy = this.#policy;
    if (!policy) return;
    if (decision.kind === 'compact') {
      // Not waiting for the pages to be freed: etcd does that in the background, in small batches.
      await this.#compact(decision.revision, this.#requestTimeoutMs, false);
    } else if (decision.kind === 'defragment') {
      const member = members.find((m) => m.name === decision.member.name);
      if (!member) return;
      const report = await this.#defragment(member, decision.member.dbSize, decision.why);
      policy.defragmented(decision.member.id, this.#clock.now());
      this.#defragmentations++;
      this.emit('defragmented', report);
    } else if (decision.kind === 'recover') {
      const report = await this.#recover(decision.reason, members, snapshot);
      policy.recovered(
        snapshot.members.map((m) => m.id),
        this.#clock.now(),
        report.disarmed,
      );
      this.#recoveries++;
      this.emit('recovered', report);
      if (!report.disarmed) {
        this.#warnings.report(
          new NoSpaceAlarmError(
            `etcd NOSPACE alarm NOT cleared: after compaction and defragmentation the backend still holds ` +
              `${formatBytes(report.dbSizeAfter)} of the ${formatBytes(report.quotaBytes)} quota, so writes stay refused; ` +
              'delete data or restart etcd with a larger --quota-backend-bytes',
          ),
        );
      }
    } else if (snapshot.noSpaceAlarms.length > 0) {
      this.#warnings.report(
        new NoSpaceAlarmError(
          'etcd NOSPACE alarm is raised: every write is refused until it is cleared. Recovery is off here; ' +
            'run `etcdctl compact <revision>`, `etcdctl defrag` on each member and `etcdctl alarm disarm`, ' +
            'or enable recovery',
        ),
      );
    }
  }

  /** Compacts to the current revision, defragments every member (followers first), disarms. */
  async #recover(
    reason: RecoveryReport['reason'],
    members: Member[],
    before: MaintenanceSnapshot,
  ): Promise<RecoveryReport> {
    const policy = this.#policy;
    if (!policy) throw new Error('not started');
    const started = this.#clock.now();
    const revision = await this.#currentRevision();
    // Physical: the defragmentation that follows can only give back pages the compaction freed.
    const compactedTo = (await this.#compact(revision, this.#defragTimeoutMs, true)) ? revision : undefined;
    const leaderLast = [...members].sort(
      (a, b) => Number(isLeader(before, a.name)) - Number(isLeader(before, b.name)),
    );
    const defragmented: DefragReport[] = [];
    for (const member of leaderLast) {
      const size = before.members.find((m) => m.name === member.name)?.dbSize ?? 0;
      defragmented.push(await this.#defragment(member, size, `NOSPACE recovery (${reason})`));
    }
    const after = await this.#sample(members);
    const dbSizeAfter = Math.max(0, ...after.members.map((m) => m.dbSize));
    const disarmed = dbSizeAfter < policy.disarmBelowBytes;
    if (disarmed) {
      const alarms = await this.#client.maintenance.alarm(
        { action: 'Get', memberID: 0, alarm: 'None' },
        { deadline: Date.now() + this.#requestTimeoutMs },
      );
      // Disarming needs the id of the member that raised the alarm: member 0 matches nothing.
      for (const alarm of alarms.alarms.filter((a) => a.alarm === 'Nospace')) {
        await this.#client.maintenance.alarm(
          { action: 'Deactivate', memberID: alarm.memberID, alarm: 'Nospace' },
          { deadline: Date.now() + this.#requestTimeoutMs },
        );
      }
    }
    // Metrics read the last sample: it must not show the alarm just disarmed until the next poll.
    this.#last = disarmed ? { ...after, noSpaceAlarms: [] } : after;
    return {
      reason,
      compactedTo,
      defragmented,
      disarmed,
      durationMs: this.#clock.now() - started,
      dbSizeBefore: Math.max(0, ...before.members.map((m) => m.dbSize)),
      dbSizeAfter,
      quotaBytes: policy.quotaBytes,
    };
  }

  /** Compacts history before `revision`; false if it was compacted already (by anyone). */
  async #compact(revision: number, timeoutMs: number, physical: boolean): Promise<boolean> {
    try {
      await this.#client.kv.compact({ revision, physical }, { deadline: Date.now() + timeoutMs });
      this.#policy?.compacted(revision);
      return true;
    } catch (error) {
      const already = /required revision has been compacted/.test(errorMessage(error));
      // Another replica or etcd's auto-compaction got there first: the old revisions are gone either way.
      if (!already) throw error;
      this.#policy?.compacted(revision);
      return false;
    }
  }

  async #defragment(member: Member, dbSizeBefore: number, why: string): Promise<DefragReport> {
    const client = this.#memberClient(member.endpoint);
    const started = this.#clock.now();
    await client.maintenance.defragment({ deadline: Date.now() + this.#defragTimeoutMs });
    const durationMs = this.#clock.now() - started;
    const status = await client.maintenance.status({ deadline: Date.now() + this.#requestTimeoutMs });
    return {
      member: member.name,
      startedAt: started,
      durationMs,
      dbSizeBefore,
      dbSizeAfter: Number(status.dbSize),
      why,
    };
  }

  async #currentRevision(): Promise<number> {
    const status = await this.#client.maintenance.status({ deadline: Date.now() + this.#requestTimeoutMs });
    return Number(status.header.revision);
  }

  async #sample(members: Member[]): Promise<MaintenanceSnapshot> {
    const deadline = Date.now() + this.#requestTimeoutMs;
    const answers = await Promise.allSettled(
      members.map((m) => this.#memberClient(m.endpoint).maintenance.status({ deadline })),
    );
    const samples: MemberSample[] = [];
    const noSpace = new Set<string>();
    let revision = 0;
    answers.forEach((answer, i) => {
      const member = members[i];
      // A member that does not answer is left out of this sample; the others still count.
      if (!member || answer.status !== 'fulfilled') return;
      samples.push(toSample(member, answer.value));
      revision = Math.max(revision, Number(answer.value.header.revision));
      for (const error of answer.value.errors) {
        const id = /memberID:(\d+) alarm:NOSPACE/.exec(error)?.[1];
        if (id !== undefined) noSpace.add(id);
      }
    });
    if (samples.length === 0) {
      const reason = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected')?.reason;
      throw new Error(`no etcd member answered Status: ${errorMessage(reason)}`, { cause: reason });
    }
    return { at: this.#clock.now(), members: samples, noSpaceAlarms: [...noSpace], revision };
  }

  /** Every member with a client URL; the configured hosts if the member list is not available. */
  async #members(): Promise<Member[]> {
    try {
      const list = await this.#client.cluster.memberList(
        {},
        { deadline: Date.now() + this.#requestTimeoutMs },
      );
      const members = list.members.flatMap((m): Member[] => {
        const advertised = m.clientURLs[0];
        if (advertised === undefined) return [];
        const endpoint = reachableClientUrl(advertised, this.#options.hosts);
        return [{ id: m.ID, name: m.name || endpoint, endpoint }];
      });
      if (members.length > 0) return members;
    } catch {
      // Fall through: Status on the configured hosts still says something.
    }
    return this.#options.hosts.map((endpoint) => ({ id: endpoint, name: endpoint, endpoint }));
  }

  #memberClient(endpoint: string): Etcd3 {
    // A step still running after stop() must not open a client nobody will close.
    if (this.#stopped) throw new Error('etcd maintenance stopped');
    let client = this.#memberClients.get(endpoint);
    if (!client) {
      client = this.#newClient([endpoint]);
      this.#memberClients.set(endpoint, client);
    }
    return client;
  }

  #newClient(hosts: string[]): Etcd3 {
    return new Etcd3({
      hosts,
      ...etcd3Credentials(this.#options),
      // No retries and a breaker that only counts unreachable hosts (see the class comment).
      faultHandling: { host: hostBreaker(1_000, this.#clock), global: retryUnsent({ deadlineMs: 0 }) },
    });
  }

  async #readQuota(): Promise<number> {
    for (const host of this.#options.hosts) {
      try {
        const body = host.startsWith('unix://')
          ? (await httpGet({ socketPath: host.slice('unix://'.length) }, '/metrics'))?.body
          : await (
              await fetch(new URL('/metrics', host), { signal: AbortSignal.timeout(this.#requestTimeoutMs) })
            ).text();
        const value = /^etcd_server_quota_backend_bytes ([\d.e+]+)$/m.exec(body ?? '')?.[1];
        if (value !== undefined && Number(value) > 0) return Number(value);
      } catch {
        // Metrics may be elsewhere (--listen-metrics-urls) or behind TLS: try the next, then assume.
      }
    }
    return ETCD_DEFAULT_QUOTA_BYTES;
  }
}

/** The line a person reads after a defragmentation. */
export function describeDefrag(report: DefragReport): string {
  return (
    `etcd: defragmented member ${report.member} in ${report.durationMs} ms ` +
    `(${formatBytes(report.dbSizeBefore)} -> ${formatBytes(report.dbSizeAfter)}; ${report.why})`
  );
}

/** The line a person reads after a NOSPACE recovery. */
export function describeRecovery(report: RecoveryReport): string {
  const compacted =
    report.compactedTo === undefined
      ? 'history already compacted'
      : `compacted to revision ${report.compactedTo}`;
  const outcome = report.disarmed
    ? 'alarm disarmed, writes are accepted again'
    : 'alarm left raised: live data is still near the quota';
  return (
    `etcd NOSPACE recovery (${report.reason}): ${compacted}, defragmented ${report.defragmented.length} member(s), ` +
    `backend ${formatBytes(report.dbSizeBefore)} -> ${formatBytes(report.dbSizeAfter)} of ${formatBytes(report.quotaBytes)} quota, ` +
    `${outcome} (${report.durationMs} ms)`
  );
}

function toSample(member: Member, status: IStatusResponse): MemberSample {
  return {
    // Members found through the configured hosts have no id until their Status tells it.
    id: member.id === member.endpoint ? status.header.member_id : member.id,
    name: member.name,
    dbSize: Number(status.dbSize),
    dbSizeInUse: Number(status.dbSizeInUse),
    raftIndex: Number(status.raftIndex),
    isLeader: status.leader === status.header.member_id,
  };
}

function isLeader(snapshot: MaintenanceSnapshot, name: string): boolean {
  return snapshot.members.some((m) => m.name === name && m.isLeader);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
