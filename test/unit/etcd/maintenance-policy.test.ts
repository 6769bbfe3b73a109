import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { MaintenancePolicy, type MemberSample } from '../../../src/etcd/maintenance-policy.js';
import { isNoSpaceError, StoreQuotaWarning } from '../../../src/etcd/store-quota.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function member(id: string, over: Partial<MemberSample> = {}): MemberSample {
  return {
    id,
    name: `etcd-${id}`,
    dbSize: 100 * MiB,
    dbSizeInUse: 100 * MiB,
    raftIndex: 0,
    isLeader: false,
    ...over,
  };
}

/** Samples one member every 10 s, its raft index growing at `rate` entries/s. */
function poller(clock: FakeClock, policy: MaintenancePolicy, rate: number) {
  let index = 0;
  return (over: Partial<MemberSample> = {}, alarms: string[] = []) => {
    clock.advance(10_000);
    index += rate * 10;
    return policy.decide(
      { members: [member('1', { raftIndex: index, isLeader: true, ...over })], noSpaceAlarms: alarms },
      clock.now(),
    );
  };
}

test('no defragmentation while free pages are few: bbolt reuses them', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 4 * GiB });
  const poll = poller(clock, policy, 0);
  for (let i = 0; i < 10; i++) {
    // 40 % free is below the 50 % share; 600 MiB free of 2 GiB... is a third: neither pays.
    t.is(poll({ dbSize: 500 * MiB, dbSizeInUse: 300 * MiB }).decision.kind, 'idle');
    t.is(poll({ dbSize: 2 * GiB, dbSizeInUse: 2 * GiB - 600 * MiB }).decision.kind, 'idle');
  }
});

test('a defragmentation that pays runs at the first quiet moment', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 4 * GiB });
  const poll = poller(clock, policy, 10);
  const fragmented = { dbSize: 1 * GiB, dbSizeInUse: 200 * MiB };
  // The first sample has no rate yet: unknown counts as busy.
  t.is(poll(fragmented).decision.kind, 'idle');
  const verdict = poll(fragmented);
  t.like(verdict.decision, { kind: 'defragment', why: 'quiet', reclaimableBytes: 1 * GiB - 200 * MiB });
  policy.defragmented('1', clock.now());
  // Fragmented again soon after (a burst of deletes): the member rests for minDefragIntervalMs.
  for (let elapsed = 10_000; elapsed < 10 * 60_000; elapsed += 10_000) {
    t.is(poll(fragmented).decision.kind, 'idle', `at ${elapsed} ms`);
  }
  t.is(poll(fragmented).decision.kind, 'defragment');
});

test('while busy, the defragmentation waits up to maxDeferMs, then runs anyway', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 4 * GiB, maxDeferMs: 5 * 60_000 });
  const poll = poller(clock, policy, 5_000);
  const fragmented = { dbSize: 1 * GiB, dbSizeInUse: 200 * MiB };
  const owedAt = clock.now() + 10_000;
  let decision = poll(fragmented).decision;
  while (decision.kind === 'idle') decision = poll(fragmented).decision;
  t.like(decision, { kind: 'defragment', why: 'waited' });
  t.is(clock.now() - owedAt, 5 * 60_000);
});

test('near the quota a smaller gain is worth a defragmentation at once, busy or not', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 1 * GiB });
  const poll = poller(clock, policy, 5_000);
  // 850 MiB of 1 GiB, 110 MiB of it free: 13 % only, but the quota is near.
  const verdict = poll({ dbSize: 850 * MiB, dbSizeInUse: 740 * MiB });
  t.like(verdict.decision, { kind: 'defragment', why: 'quota' });
});

test('followers are defragmented before the leader, one member per decision', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 4 * GiB });
  const fragmented = { dbSize: 1 * GiB, dbSizeInUse: 100 * MiB };
  const sample = () => ({
    members: [
      member('1', { ...fragmented, isLeader: true, dbSizeInUse: 50 * MiB }),
      member('2', fragmented),
      member('3', { ...fragmented, dbSizeInUse: 300 * MiB }),
    ],
    noSpaceAlarms: [],
  });
  policy.decide(sample(), clock.now());
  const order: string[] = [];
  for (let i = 0; i < 5; i++) {
    clock.advance(10_000);
    const { decision } = policy.decide(sample(), clock.now());
    if (decision.kind !== 'defragment') break;
    order.push(decision.member.id);
    policy.defragmented(decision.member.id, clock.now());
  }
  // Member 2 has the most to give back among followers; the leader comes last.
  t.deepEqual(order, ['2', '3', '1']);
});

test('the 80 % warning is given once per crossing, not once per poll', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 1 * GiB, defragment: false });
  const poll = poller(clock, policy, 0);
  t.deepEqual(poll({ dbSize: 700 * MiB }).warnings, []);
  const [warning, ...rest] = poll({ dbSize: 820 * MiB, dbSizeInUse: 800 * MiB }).warnings;
  t.deepEqual(rest, []);
  t.true(warning instanceof StoreQuotaWarning);
  t.regex(
    warning?.message ?? '',
    /etcd member etcd-1: backend is 820\.0 MiB \(800\.0 MiB in use\), 80 % of the 1\.0 GiB quota/,
  );
  for (let i = 0; i < 20; i++) t.deepEqual(poll({ dbSize: 900 * MiB }).warnings, []);
  // Just under the line is not enough to warn again: only after falling below 70 %.
  t.deepEqual(poll({ dbSize: 780 * MiB }).warnings, []);
  t.deepEqual(poll({ dbSize: 830 * MiB }).warnings, []);
  t.deepEqual(poll({ dbSize: 600 * MiB }).warnings, []);
  t.is(poll({ dbSize: 830 * MiB }).warnings.length, 1);
});

test('a NOSPACE alarm calls for a recovery before anything else', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 1 * GiB });
  const poll = poller(clock, policy, 0);
  t.like(poll({ dbSize: 1 * GiB, dbSizeInUse: 200 * MiB }, ['1']).decision, {
    kind: 'recover',
    reason: 'alarm',
  });
});

test('a refused write calls for a recovery even before the alarm shows in Status', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 1 * GiB });
  const poll = poller(clock, policy, 0);
  policy.noteWriteRefused(clock.now());
  t.like(poll().decision, { kind: 'recover', reason: 'write-refused' });
  policy.recovered(['1'], clock.now(), true);
  t.is(poll().decision.kind, 'idle');
});

test('a recovery that could not disarm is retried after recoverRetryMs, not every poll', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 1 * GiB, recoverRetryMs: 60_000 });
  const poll = poller(clock, policy, 0);
  const full = { dbSize: 1 * GiB, dbSizeInUse: 1 * GiB };
  t.is(poll(full, ['1']).decision.kind, 'recover');
  policy.recovered(['1'], clock.now(), false);
  for (let i = 0; i < 5; i++) t.is(poll(full, ['1']).decision.kind, 'idle');
  t.is(poll(full, ['1']).decision.kind, 'recover');
});

test('with recovery off an alarm leads to no action (the caller warns)', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: 1 * GiB, recover: false });
  const poll = poller(clock, policy, 0);
  t.is(poll({ dbSize: 1 * GiB, dbSizeInUse: 100 * MiB }, ['1']).decision.kind, 'idle');
});

test('bad options are refused with the field named', (t) => {
  t.throws(() => new MaintenancePolicy({ quotaBytes: 0 }), { message: /invalid quotaBytes/ });
  t.throws(() => new MaintenancePolicy({ quotaBytes: GiB, warnRatio: 1.5 }), {
    message: /invalid warnRatio/,
  });
  t.throws(() => new MaintenancePolicy({ quotaBytes: GiB, warnRatio: 0.6, rearmRatio: 0.7 }), {
    message: /invalid rearmRatio/,
  });
});

test("isNoSpaceError finds etcd's answer anywhere in the cause chain", (t) => {
  const grpc = new Error('8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded');
  t.true(isNoSpaceError(grpc));
  t.true(
    isNoSpaceError(
      new StoreUnavailableError('txn', 'etcdserver: mvcc: database space exceeded', { cause: grpc }),
    ),
  );
  t.true(isNoSpaceError(new Error('trigger commit failed', { cause: grpc })));
  t.false(isNoSpaceError(new Error('etcdserver: request timed out')));
  t.false(isNoSpaceError('database space exceeded'));
});

test('with compactRetention, history past the retention is compacted once a tenth of it piled up', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({ quotaBytes: GiB, compactRetention: 100_000 });
  const decide = (revision: number) =>
    policy.decide({ members: [member('1')], noSpaceAlarms: [], revision }, clock.now()).decision;
  t.is(decide(50_000).kind, 'idle', 'less history than the retention');
  t.is(decide(110_000).kind, 'idle', 'only 10,000 past it');
  t.deepEqual(decide(110_001), { kind: 'compact', revision: 10_001 });
  policy.compacted(10_001);
  t.is(decide(115_000).kind, 'idle');
  t.deepEqual(decide(125_000), { kind: 'compact', revision: 25_000 });
  // etcd's own auto-compaction (or another replica) went further: nothing to do until it piles up again.
  policy.compacted(40_000);
  t.is(decide(145_000).kind, 'idle');
});

test('without compactRetention compaction is left to etcd', (t) => {
  const policy = new MaintenancePolicy({ quotaBytes: GiB });
  const { decision } = policy.decide({ members: [member('1')], noSpaceAlarms: [], revision: 10_000_000 }, 0);
  t.is(decision.kind, 'idle');
  t.throws(() => new MaintenancePolicy({ quotaBytes: GiB, compactRetention: 0 }), {
    message: /invalid compactRetention/,
  });
});

test('with compactRetentionMs, history older than that is compacted even within the revision retention', (t) => {
  const clock = new FakeClock();
  const policy = new MaintenancePolicy({
    quotaBytes: GiB,
    compactRetention: 100_000,
    compactRetentionMs: 120_000,
  });
  // 200 revisions a second (many keys per transaction): 100,000 revisions would be over 8 minutes.
  const decide = () => {
    clock.advance(10_000);
    const revision = 200 * ((clock.now() - Date.UTC(2026, 0, 1)) / 1000);
    return policy.decide({ members: [member('1')], noSpaceAlarms: [], revision }, clock.now()).decision;
  };
  const decisions: Array<{ second: number; revision: number }> = [];
  for (let i = 0; i < 60; i++) {
    const decision = decide();
    if (decision.kind !== 'compact') continue;
    decisions.push({ second: (clock.now() - Date.UTC(2026, 0, 1)) / 1000, revision: decision.revision });
    policy.compacted(decision.revision);
  }
  const first = decisions[0];
  t.truthy(first);
  // Nothing before two minutes have passed; then the revision of two minutes ago, never later.
  t.true((first?.second ?? 0) >= 120, JSON.stringify(decisions));
  for (const d of decisions) t.true(d.revision <= 200 * (d.second - 120), JSON.stringify(d));
  // ... and at least every 10,000 revisions (the step), so history stays near two minutes.
  t.true(decisions.length >= 8, JSON.stringify(decisions));
});
