import test from 'ava';
import { Etcd3 } from 'etcd3';
import {
  describeDefrag,
  describeRecovery,
  EtcdMaintenance,
  type EtcdMaintenanceOptions,
} from '../../../src/etcd/etcd-maintenance.js';
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import { isNoSpaceError, StoreQuotaWarning } from '../../../src/etcd/store-quota.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';

/** Small enough to fill in a second or two, as the reproduction did with 4 GiB in hours. */
const QUOTA = 16 * 2 ** 20;
const VALUE = 'x'.repeat(100_000);

// The fixture's own upkeep is off: each test runs the one it examines.
const etcd = await useEtcd(test, { quotaBackendBytes: QUOTA, maintenance: false });

const maintenances: EtcdMaintenance[] = [];
test.after.always(async () => {
  await Promise.allSettled(maintenances.map((m) => m.stop()));
});

function maintenance(options: Partial<EtcdMaintenanceOptions> = {}): EtcdMaintenance {
  const m = new EtcdMaintenance({ hosts: etcd.hosts, intervalMs: 100, ...options });
  maintenances.push(m);
  return m;
}

/** A raw client for what the tests check behind tickflow's back (sizes, alarms). */
const raw = new Etcd3({ hosts: etcd.hosts });
test.after.always(() => raw.close());

/**
 * Overwrites 40 keys of 100 KB over and over (without compaction every version stays in the
 * backend) until `until` holds or a write is refused; returns the refusal, if any.
 */
async function fill(kv: EtcdKv, prefix: string, until: () => Promise<boolean>): Promise<unknown> {
  for (let i = 0; ; i++) {
    // Checked before every put (100 kB): with checks further apart, a busy machine's bigger
    // backend commits could carry the size from under the line straight past the quota.
    if (await until()) return undefined;
    try {
      await kv.txn([], [{ op: 'put', key: `${prefix}${i % 40}`, value: VALUE }]);
    } catch (error) {
      return error;
    }
  }
}

test.serial('the 80 % warning fires once as the backend passes 80 % of the quota', async (t) => {
  const kv = await etcd.connect();
  const m = maintenance({ defragment: false, recover: false });
  const warnings: Error[] = [];
  m.on('warning', (e) => warnings.push(e));
  await m.start();
  t.is(m.quotaBytes, QUOTA, 'the quota is read from etcd /metrics');
  const warned = nextEvent(m, 'warning', {
    filter: (e) => e instanceof StoreQuotaWarning,
    timeoutMs: 30_000,
  });
  const refusal = await fill(kv, etcd.prefix(), async () => {
    const status = await raw.maintenance.status();
    return Number(status.dbSize) >= 0.85 * QUOTA;
  });
  t.is(refusal, undefined);
  const [warning] = await warned;
  // At or past the line: on a busy machine a batched backend commit can carry the size from under
  // it past the quota between two polls (seen: 104 %), and the warning is still the one due.
  t.regex(warning.message, /backend is [\d.]+ MiB .*, (8\d|9\d|1\d\d) % of the 16\.0 MiB quota/);
  // More polls above the line add nothing.
  const polls = m.lastSample?.at ?? 0;
  await waitFor(() => (m.lastSample?.at ?? 0) > polls + 300, { what: 'three more polls' });
  t.is(warnings.filter((e) => e instanceof StoreQuotaWarning).length, 1);
  await m.stop();
});

test.serial(
  'NOSPACE: writes are refused; a refused write starts the recovery, which compacts, defragments and disarms',
  async (t) => {
    const kv = await etcd.connect();
    const prefix = etcd.prefix();
    // Polling only once a minute: the recovery below is started by the refused write alone.
    const m = maintenance({ intervalMs: 60_000, defragment: false });
    const lines: string[] = [];
    m.on('recovered', (report) => lines.push(describeRecovery(report)));
    await m.start();
    t.is(lines.length, 0);

    const refusal = await fill(kv, prefix, async () => false);
    t.true(isNoSpaceError(refusal), `refused for lack of space: ${String(refusal)}`);
    const alarms = await raw.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' });
    t.deepEqual(
      alarms.alarms.map((a) => a.alarm),
      ['Nospace'],
    );
    // Every write is refused now, however small.
    const small = await kv
      .txn([], [{ op: 'put', key: `${prefix}small`, value: 'x' }])
      .catch((e: unknown) => e);
    t.true(isNoSpaceError(small));
    // The caller is told what is wrong (a full backend), not to check that etcd is running.
    t.regex(String(small), /backend is full \(NOSPACE alarm\)/);
    t.notRegex(String(small), /check that etcd is running/);

    const recovered = nextEvent(m, 'recovered', { timeoutMs: 30_000 });
    m.noticeError(small);
    await recovered;
    t.is(lines.length, 1);
    t.regex(
      lines[0] ?? '',
      /^etcd NOSPACE recovery \((alarm|write-refused)\): compacted to revision \d+, defragmented 1 member\(s\), backend [\d.]+ MiB -> [\d.]+ (MiB|KiB) of 16\.0 MiB quota, alarm disarmed, writes are accepted again \(\d+ ms\)$/,
    );
    t.log(lines[0]);
    t.deepEqual((await raw.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' })).alarms, []);
    await kv.txn([], [{ op: 'put', key: `${prefix}after`, value: 'written' }]);
    t.is((await kv.get(`${prefix}after`))?.value, 'written');
    const status = await raw.maintenance.status();
    t.true(Number(status.dbSize) < QUOTA / 2, `backend shrank to ${status.dbSize} bytes`);
    t.is(m.recoveries, 1);
    await m.stop();
  },
);

test.serial('a backend that is mostly free pages is defragmented and shrinks', async (t) => {
  const kv = await etcd.connect();
  const prefix = etcd.prefix();
  // What the earlier tests left would blur "mostly free": start from an empty keyspace.
  await raw.delete().all();
  for (let i = 0; i < 60; i++) await kv.txn([], [{ op: 'put', key: `${prefix}${i}`, value: VALUE }]);
  await kv.txn([], [{ op: 'deletePrefix', prefix }]);
  const { header } = await raw.maintenance.status();
  await raw.kv.compact({ revision: header.revision, physical: true });
  // etcd 3.4 updates dbSizeInUse when the next write commits, not when the compaction ends.
  await kv.txn([], [{ op: 'put', key: `${prefix}one-more`, value: 'x' }]);
  const before = Number((await raw.maintenance.status()).dbSize);
  t.true(before >= 6_000_000, `the deleted values still take ${before} bytes`);

  const m = maintenance({ minReclaimBytes: 2 ** 20, minReclaimRatio: 0.5, quietEntriesPerSecond: 1_000 });
  const defragmented = nextEvent(m, 'defragmented', { timeoutMs: 30_000 });
  await m.start();
  const [report] = await defragmented;
  t.log(describeDefrag(report));
  t.regex(
    describeDefrag(report),
    /^etcd: defragmented member tickflow in \d+ ms \([\d.]+ MiB -> [\d.]+ (KiB|MiB); (quiet|quota)\)$/,
  );
  const after = Number((await raw.maintenance.status()).dbSize);
  t.true(after < before / 2, `${before} -> ${after} bytes`);
  t.is(report.dbSizeAfter, after);
  // Defragmented once: the member rests, the next polls find nothing worth doing.
  const seen = m.lastSample?.at ?? 0;
  await waitFor(() => (m.lastSample?.at ?? 0) > seen + 300, { what: 'three more polls' });
  t.is(m.defragmentations, 1);
  await m.stop();
});
