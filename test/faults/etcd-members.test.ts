/**
 * Issue 7: etcd member failures under a running service (two timer replicas in this process on a
 * 3-member cluster). A follower killed and restarted, and the leader killed (an election): jobs
 * scheduled before, during and after still fire, none early. Fault test 3: the leader killed in
 * the middle of a burst of `schedule` calls: every call that succeeded has its job stored, and the
 * only calls that fail are those whose outcome the election made unknown (in flight to the old
 * leader); the rest wait for the new leader instead of failing fast.
 */
import test, { type ExecutionContext } from 'ava';
import type { EtcdMember } from '../../src/etcd/etcd-cluster.js';
import { StoreError, StoreUnavailableError } from '../../src/etcd/errors.js';
import { JobNotFoundError } from '../../src/timers/errors.js';
import { TimerService } from '../../src/timers/timer-service.js';
import { useEtcdCluster } from '../helpers/cluster-fixture.js';
import { waitFor } from '../helpers/etcd-wait.js';
import { oneShots, report, spread, startTimerReplica, uniqueAppId, type Delivery } from './fault-timers.js';

const PARTITIONS = 8;
const TTL = 3;
const etcd = await useEtcdCluster(test);

/** Every member running again, whatever a failed test left behind. */
test.afterEach.always(async () => {
  for (const member of etcd.cluster.members) if (!member.running) await member.restart();
});

async function followerOf(): Promise<EtcdMember> {
  const leader = await etcd.leader();
  const follower = etcd.cluster.members.find((m) => m !== leader);
  if (!follower) throw new Error('no follower');
  return follower;
}

/** Schedules one job, retrying store errors that left nothing stored (as a caller would). */
async function scheduleSurely(service: TimerService, name: string, dueAt: number): Promise<void> {
  await waitFor(
    () =>
      service.schedule(name, { dueTime: new Date(dueAt), overwrite: true }).then(
        () => true,
        (error: unknown) => {
          if (error instanceof StoreError) return false;
          throw error;
        },
      ),
    { what: `schedule ${name}`, timeoutMs: 30_000, intervalMs: 200 },
  );
}

/** Two replicas; jobs due across the fault; `fault` breaks and repairs etcd in between. */
async function serviceSurvives(
  t: ExecutionContext,
  label: string,
  fault: { victim: () => Promise<EtcdMember>; duringMs: number },
): Promise<void> {
  const appId = uniqueAppId(label);
  const log: Delivery[] = [];
  const warnings: Error[] = [];
  const base = { appId, log, warnings, partitions: PARTITIONS, leaseTtlSeconds: TTL };
  const r1 = await startTimerReplica({ ...base, kv: await etcd.connect(), name: 'r1' });
  const r2 = await startTimerReplica({ ...base, kv: await etcd.connect(), name: 'r2' });
  t.teardown(async () => void (await Promise.all([r1.stop(), r2.stop()])));
  await waitFor(() => r1.ownedPartitions().length + r2.ownedPartitions().length === PARTITIONS, {
    what: 'the replicas to own every partition',
    timeoutMs: 30_000,
  });
  const scheduler = new TimerService({ kv: await etcd.connect(), appId, partitions: PARTITIONS });
  const due = new Map<string, number>();

  // Before the fault, due while it lasts and just after.
  const before = oneShots('before', 200, Date.now() + 1000, fault.duringMs + 2000);
  t.deepEqual(
    (await scheduler.scheduleMany(before)).filter((r) => !r.ok),
    [],
  );
  for (const job of before) due.set(job.name, job.dueAt);

  const victim = await fault.victim();
  await victim.kill();
  // During: the client must find the surviving members on its own.
  for (const job of oneShots('during', 20, Date.now() + 500, fault.duringMs)) {
    await scheduleSurely(scheduler, job.name, job.dueAt);
    due.set(job.name, job.dueAt);
  }
  await waitFor(() => Date.now() >= (before[0]?.dueAt ?? 0) + fault.duringMs / 2, { intervalMs: 50 });
  await victim.restart();
  for (const job of oneShots('after', 20, Date.now() + 500, 1000)) {
    await scheduleSurely(scheduler, job.name, job.dueAt);
    due.set(job.name, job.dueAt);
  }

  await waitFor(() => report(log, due).missing.length === 0, {
    what: `all ${due.size} jobs delivered`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  const result = report(log, due);
  t.log(
    `${label}: ${due.size} jobs, ${log.length} deliveries, ${result.duplicated.length} duplicated, ` +
      `lateness ${spread(result.lateness)}; ${warnings.length} warnings`,
  );
  t.deepEqual(result.early, [], 'none early');
  t.deepEqual(result.missing, [], 'none lost');
}

test.serial('a follower killed and restarted: jobs before, during and after fire, none early', async (t) => {
  await serviceSurvives(t, 'follower', { victim: followerOf, duringMs: 3000 });
});

test.serial('the etcd leader killed: after the election jobs before, during and after fire', async (t) => {
  await serviceSurvives(t, 'leader', { victim: () => etcd.leader(), duringMs: 3000 });
});

test.serial(
  'leader killed during a burst of schedule calls: every call succeeds or fails with an unknown outcome; lost answers are settled',
  async (t) => {
    const appId = uniqueAppId('burst');
    const kv = await etcd.connect();
    const scheduler = new TimerService({ kv, appId, partitions: PARTITIONS });
    const outcomes = new Map<string, { ok: true } | { ok: false; error: unknown }>();
    const CALLS = 400;
    const CONCURRENCY = 16;
    let next = 0;
    let killed: Promise<void> | undefined;
    const leader = await etcd.leader();
    const worker = async (): Promise<void> => {
      while (next < CALLS) {
        const name = `burst-${next++}`;
        if (next === CALLS / 4) killed = leader.kill();
        try {
          await scheduler.schedule(name, { dueTime: '1h' });
          outcomes.set(name, { ok: true });
        } catch (error) {
          outcomes.set(name, { ok: false, error });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await killed;
    await leader.restart();

    const reader = new TimerService({ kv: await etcd.connect(), appId, partitions: PARTITIONS });
    const lost: string[] = [];
    const untyped: string[] = [];
    const knownOutcome: string[] = [];
    let failedButStored = 0;
    const storedDespiteKnownFailure: string[] = [];
    for (const [name, outcome] of outcomes) {
      const stored = await reader.get(name).then(
        () => true,
        (error: unknown) => {
          if (error instanceof JobNotFoundError) return false;
          throw error;
        },
      );
      if (outcome.ok && !stored) lost.push(name);
      if (!outcome.ok) {
        if (!(outcome.error instanceof StoreError)) untyped.push(`${name}: ${String(outcome.error)}`);
        if (stored) failedButStored++;
        // A failure whose outcome is known (never reached etcd) must have left nothing behind.
        const unknown = outcome.error instanceof StoreUnavailableError && outcome.error.outcomeUnknown;
        if (stored && !unknown) storedDespiteKnownFailure.push(name);
        // A request etcd provably did not apply is retried until the new leader takes it.
        if (!unknown) knownOutcome.push(`${name}: ${String(outcome.error)}`);
      }
    }
    const failures = [...outcomes.values()].filter((o) => !o.ok).length;
    const kinds = new Map<string, number>();
    for (const o of outcomes.values()) {
      if (o.ok) continue;
      // Grouped by message without numbers (deadlines and ports differ per call).
      const text = o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : String(o.error);
      const kind =
        text
          .replace(/[\d.]+s?\b/g, 'N')
          .split(';')[0]
          ?.split(',')[0] ?? text;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    t.log(`failures: ${JSON.stringify([...kinds])}`);
    t.log(
      `${CALLS} schedule calls, leader killed after ${CALLS / 4}: ${CALLS - failures} succeeded, ${failures} failed ` +
        `(${failedButStored} of those were stored anyway: outcome unknown to the caller)`,
    );
    t.is(outcomes.size, CALLS, 'every call settled');
    t.deepEqual(lost, [], 'every successful schedule is stored');
    t.deepEqual(untyped, [], 'every failure is a typed store error');
    t.deepEqual(storedDespiteKnownFailure, [], 'a failure not marked outcomeUnknown stored nothing');
    t.deepEqual(knownOutcome, [], 'no call failed fast: only calls whose outcome is unknown failed');
    // Calls in flight to the old leader lose their answer (one per worker, 16-23 per run, before
    // schedule settled those itself); now a call fails only if every re-send loses its answer too.
    t.true(failures < CONCURRENCY / 2, `${failures} of ${CALLS} calls failed`);
  },
);
