import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { runCli, startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { RecorderApp, type Callback } from '../server/recorder-app.js';

// Backup of a running server, wipe, restore into a new data dir, `tickflow serve` on it: every job
// and workflow goes on from where the snapshot left it. A fires ticks before the backup, so the
// snapshot carries progress; some one-shots fall due while no server runs; the rest after.

const WORKFLOWS = fileURLToPath(new URL('./fixtures/sleeper-workflows.ts', import.meta.url));
const JOBS = '/v1.0-alpha1/jobs';
const WF = '/v1.0-beta1/workflows/dapr';
const RECURRING = 100;
const ONE_SHOTS = 900;
const PERIOD_MS = 2_000;
const REPEATS = 5;
const SLEEPERS = 20;
/**
 * Once A's app is gone, a tick due on A fails until the backup and the stop; the default policy
 * (3 retries) would give it up and count it done if the backup came more than 3 s later (a busy
 * machine). Retrying forever keeps every undelivered tick pending in the snapshot.
 */
const RETRY_FOREVER = { constant: { interval: '1s' } };

interface ExportLine {
  name: string;
  dueTime: string;
  repeats?: number;
  schedule?: string;
  fired: number;
}

test('backup, wipe, restore: every job fires at its next due time, none early, none twice', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'tickflow-backup-'));
  const appA = await RecorderApp.start();
  const appC = await RecorderApp.start();
  const servers: ServerProcess[] = [];
  t.teardown(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([appA.close(), appC.close()]);
    await rm(work, { recursive: true, force: true });
  });
  const t0 = Date.now();
  const phase = (what: string): void => t.log(`+${Date.now() - t0} ms ${what}`);
  const a = await startServerProcess({ appUrl: appA.url, workflows: WORKFLOWS });
  phase('A up');
  servers.push(a);

  // 100 recurring jobs (5 ticks, 2 s apart, from +1.5 s); once A delivered their first ticks, A's
  // app goes away, and only then come 450 one-shots due at +3 s (they fall due while nothing can
  // deliver them: the outage), 450 at +9 s (about when the restored server is up) and 20 workflows
  // asleep until +8 s. So the one-shots are pending in the snapshot however slow the machine is.
  const base = Date.now();
  const firstTick = base + 1_500;
  const recurring = Array.from({ length: RECURRING }, (_, i) => ({
    name: `rec-${i}`,
    body: {
      schedule: '@every 2s',
      dueTime: new Date(firstTick).toISOString(),
      repeats: REPEATS,
      data: { i },
      failurePolicy: RETRY_FOREVER,
    },
  }));
  await inParallel(recurring, 32, (job) => schedule(a, job));
  // A has delivered the first tick of every recurring job: the snapshot carries progress.
  await waitFor(
    () => new Set(appA.calls.filter((c) => c.name.startsWith('rec-')).map((c) => c.name)).size === RECURRING,
    { what: 'the first tick of every recurring job on A', timeoutMs: 20_000 },
  );
  phase('first ticks delivered');
  // From now on A's app is gone: what falls due on A fails and is retried (RETRY_FOREVER), so it
  // stays pending until the backup and the stop.
  await appA.close();

  const oneShotsAt = Date.now();
  const outageDue = oneShotsAt + 3_000;
  const laterDue = oneShotsAt + 9_000;
  const wakeAt = oneShotsAt + 8_000;
  const oneShots = Array.from({ length: ONE_SHOTS }, (_, i) => ({
    name: `one-${i}`,
    body: {
      dueTime: new Date(i % 2 === 0 ? outageDue : laterDue).toISOString(),
      data: { i },
      failurePolicy: RETRY_FOREVER,
    },
  }));
  await inParallel(oneShots, 32, (job) => schedule(a, job));
  for (let i = 0; i < SLEEPERS; i++) {
    const res = await a.request('POST', `${WF}/sleeper/start?instanceID=sleeper-${i}`, {
      body: { until: wakeAt },
    });
    t.is(res.status, 202, res.text);
  }
  phase('one-shots and workflows scheduled');
  const jobs = [...recurring, ...oneShots];

  // A hot backup through the running server's etcd.
  const snapshot = join(work, 'store.snap');
  const backupStartedAt = Date.now();
  const backup = await runCli(['backup', '--out', snapshot, '--data-dir', a.dataDir], { timeoutMs: 30_000 });
  t.is(backup.code, 0, backup.stderr);
  t.regex(backup.stdout, /^backup .*store\.snap: \d+ bytes .*revision \d+, sha256 [0-9a-f]{64}\n/);
  t.regex(backup.stdout, /credentials of the embedded store: .*store\.snap\.credentials\.json/);
  phase('backup');
  const deliveredBeforeBackup = countBy(appA.calls.filter((c) => c.at < backupStartedAt));

  // Wipe: A stops and its data dir is removed.
  t.is((await a.stop()).code, 0);
  const deliveredByA = countBy(appA.calls);

  const dataDir = join(work, 'restored');
  const restore = await runCli(['restore', snapshot, '--data-dir', dataDir], { timeoutMs: 30_000 });
  t.is(restore.code, 0, restore.stderr);
  phase('restored');
  // A's replica lease is revoked: C need not wait out its TTL to own the partitions.
  t.regex(
    restore.stdout,
    /^restored .* into .*restored: \d+ keys, [1-9]\d* leases? of the source's processes revoked, etcd credentials in /,
  );

  // What the restored store holds, read before any server runs on it: what is left of each job.
  const exported = await runCli(['jobs', 'export', '--data-dir', dataDir], { timeoutMs: 30_000 });
  t.is(exported.code, 0, exported.stderr);
  const left = new Map(
    exported.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ExportLine)
      .map((l) => [l.name, l]),
  );
  for (const { name } of jobs) {
    const line = left.get(name);
    const before = deliveredBeforeBackup.get(name) ?? 0;
    const byA = deliveredByA.get(name) ?? 0;
    if (line === undefined) {
      // Finished in the snapshot: A delivered all of it.
      t.true(
        byA >= (name.startsWith('rec-') ? REPEATS : 1),
        `${name} is gone from the snapshot but A delivered ${byA}`,
      );
      continue;
    }
    // The snapshot counts every tick A had finished before the backup, less at most the one in flight.
    t.true(
      line.fired >= before - 1 && line.fired <= byA,
      `${name}: fired ${line.fired}, A delivered ${before} before the backup, ${byA} in all`,
    );
  }

  // The outage: the +3 s one-shots are due before the restored server starts.
  await waitFor(() => Date.now() >= outageDue + 200, { what: 'the outage one-shots due', timeoutMs: 20_000 });
  const startingAt = Date.now();
  const c = await startServerProcess({
    appUrl: appC.url,
    workflows: WORKFLOWS,
    args: ['--data-dir', dataDir],
  });
  servers.push(c);
  phase('C up');

  const expected = [...left.values()].reduce(
    (sum, l) => sum + (l.schedule === undefined ? 1 : (l.repeats ?? 0)),
    0,
  );
  await waitFor(() => appC.calls.length >= expected, {
    what: `${expected} deliveries by the restored server`,
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  phase('all delivered');
  const byC = groupBy(appC.calls);
  let outageFiredOnStart = 0;
  for (const [name, line] of left) {
    const calls = (byC.get(name) ?? []).map((call) => call.at).sort((x, y) => x - y);
    const ticks = line.schedule === undefined ? 1 : (line.repeats ?? 0);
    t.is(calls.length, ticks, `${name}: ${ticks} ticks left, delivered ${calls.length}`);
    const next = Date.parse(line.dueTime);
    calls.forEach((at, k) => {
      const due = next + k * (line.schedule === undefined ? 0 : PERIOD_MS);
      t.true(at >= due, `${name} tick ${k + 1} delivered ${due - at} ms early`);
    });
    if (next === outageDue && calls[0] !== undefined && calls[0] >= startingAt) outageFiredOnStart++;
  }
  t.true(outageFiredOnStart > 0, 'one-shots due during the outage fire once the restored server starts');
  t.deepEqual(
    [...byC.keys()].filter((name) => !left.has(name)),
    [],
    'nothing the snapshot had finished is delivered again',
  );

  // The workflows wake on the restored server, not before their timer.
  for (let i = 0; i < SLEEPERS; i++) {
    let state: { runtimeStatus: string; lastUpdatedAt: string } | undefined;
    await waitFor(
      async () => {
        state = (await c.request('GET', `${WF}/sleeper-${i}`)).json as typeof state;
        return state?.runtimeStatus === 'COMPLETED';
      },
      { what: `sleeper-${i} completed`, timeoutMs: 20_000, intervalMs: 100 },
    );
    t.true(Date.parse(state?.lastUpdatedAt ?? '') >= wakeAt, `sleeper-${i} woke early`);
  }
  t.log(
    `${jobs.length} jobs, ${expected} ticks left after the restore; snapshot ${backup.stdout.split(':')[1]?.trim() ?? ''}`,
  );
});

function countBy(calls: readonly Callback[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.name, (counts.get(call.name) ?? 0) + 1);
  return counts;
}

function groupBy(calls: readonly Callback[]): Map<string, Callback[]> {
  const groups = new Map<string, Callback[]>();
  for (const call of calls) groups.set(call.name, [...(groups.get(call.name) ?? []), call]);
  return groups;
}

async function schedule(
  server: ServerProcess,
  { name, body }: { name: string; body: Record<string, unknown> },
): Promise<void> {
  const res = await server.request('POST', `${JOBS}/${name}`, { body });
  if (res.status !== 204) throw new Error(`schedule ${name}: ${res.status} ${res.text}`);
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await fn(item);
      }
    }),
  );
}
