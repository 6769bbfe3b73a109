/**
 * The etcd backend upkeep as the server runs it (issue 13, item 8): sizes and quota in /metrics,
 * for the embedded etcd and for an external one, whose quota is read from etcd's own /metrics; and
 * an external etcd filled until NOSPACE, recovered from with --etcd-recover.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  DEFAULT_QUOTA_BACKEND_BYTES,
  startEmbeddedEtcd,
  type EmbeddedEtcd,
} from '../../../src/etcd/embedded-etcd.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { isNoSpaceError } from '../../../src/etcd/store-quota.js';
import { startServer, type TickflowServer } from '../../../src/server/tickflow-server.js';
import { waitFor } from '../../helpers/etcd-wait.js';

const dirs: string[] = [];
const servers: TickflowServer[] = [];
test.after.always(async () => {
  await Promise.allSettled(servers.map((s) => s.stop()));
  await Promise.allSettled(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-etcd-metrics-'));
  dirs.push(dir);
  return dir;
}

async function scrape(server: TickflowServer): Promise<string> {
  const res = await fetch(`${server.url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the embedded etcd: backend sizes per member and the quota in /metrics', async (t) => {
  const server = await startServer({ port: 0, grpcPort: false, dataDir: await tempDir() });
  servers.push(server);
  t.truthy(server.etcd?.maintenance, 'the embedded etcd comes with its upkeep');
  const text = await scrape(server);
  t.is(value(text, 'tickflow_etcd_quota_bytes'), DEFAULT_QUOTA_BACKEND_BYTES);
  const size = value(text, 'tickflow_etcd_db_size_bytes{member="tickflow"}') ?? 0;
  const inUse = value(text, 'tickflow_etcd_db_size_in_use_bytes{member="tickflow"}') ?? 0;
  t.true(size > 0 && inUse > 0 && inUse <= size, `${inUse} of ${size} bytes`);
  t.is(value(text, 'tickflow_etcd_nospace_alarm'), 0);
});

/** An etcd the test starts (without upkeep of its own) to stand for an external cluster. */
async function externalEtcd(t: ExecutionContext, quotaBackendBytes: number): Promise<EmbeddedEtcd> {
  const etcd = await startEmbeddedEtcd({ dataDir: await tempDir(), quotaBackendBytes, maintenance: false });
  t.teardown(() => etcd.stop());
  return etcd;
}

test('an external etcd: its quota is read from its own /metrics, and nothing is defragmented by default', async (t) => {
  const quota = 64 * 2 ** 20;
  const external = await externalEtcd(t, quota);
  const lines: string[] = [];
  const server = await startServer({
    port: 0,
    grpcPort: false,
    etcd: external.hosts,
    log: (line) => lines.push(line),
  });
  servers.push(server);
  const text = await scrape(server);
  t.is(value(text, 'tickflow_etcd_quota_bytes'), quota);
  t.true((value(text, 'tickflow_etcd_db_size_bytes{member="tickflow"}') ?? 0) > 0);
  await server.stop();
  t.deepEqual(
    lines.filter((l) => l.includes('etcd')),
    [],
  );
});

test('an external etcd with --etcd-recover: NOSPACE is recovered from, with the log line and the counter', async (t) => {
  const quota = 16 * 2 ** 20;
  const external = await externalEtcd(t, quota);
  const lines: string[] = [];
  const server = await startServer({
    port: 0,
    grpcPort: false,
    etcd: external.hosts,
    etcdMaintenance: { defragment: true, recover: true },
    log: (line) => lines.push(line),
  });
  servers.push(server);
  const kv = await connectEtcd({ hosts: external.hosts });
  t.teardown(() => kv.close());
  // Overwrite 40 keys of 100 KB (every version stays until compacted) until etcd refuses.
  const big = 'x'.repeat(100_000);
  let refusal: unknown;
  for (let i = 0; refusal === undefined; i++) {
    await kv
      .txn([], [{ op: 'put', key: `/fill/${i % 40}`, value: big }])
      .catch((error: unknown) => (refusal = error));
  }
  t.true(isNoSpaceError(refusal));
  // The server polls every 10 s.
  await waitFor(() => lines.some((l) => l.startsWith('etcd NOSPACE recovery')), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: 'the recovery log line',
  });
  t.log(lines.find((l) => l.startsWith('etcd NOSPACE recovery')));
  t.true(lines.some((l) => /alarm disarmed, writes are accepted again/.test(l)));
  await kv.txn([], [{ op: 'put', key: '/fill/after', value: 'ok' }]);
  const text = await scrape(server);
  t.is(value(text, 'tickflow_etcd_nospace_recoveries_total{result="disarmed"}'), 1);
  t.is(value(text, 'tickflow_etcd_nospace_alarm'), 0);
});
