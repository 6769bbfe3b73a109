import { mkdtempSync } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startEmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { useEtcd } from '../../helpers/etcd.js';
import { runCli } from '../../helpers/server-fixture.js';

// The ways a backup or a restore is refused, each with one clear line and nothing left behind;
// and a plain (external, no auth) etcd backed up and restored.

const etcd = await useEtcd(test);
const work = mkdtempSync(join(tmpdir(), 'tickflow-backup-errors-'));
test.after.always(() => rm(work, { recursive: true, force: true }));

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** A snapshot of this file's etcd, holding `/ops/k` = `v`. */
async function snapshot(name: string): Promise<string> {
  const kv = await etcd.connect();
  await kv.txn([], [{ op: 'put', key: '/ops/k', value: 'v' }]);
  const file = join(work, name);
  const result = await runCli(['backup', '--etcd', etcd.hosts.join(','), '--out', file]);
  if (result.code !== 0) throw new Error(result.stderr);
  return file;
}

test('an external etcd is backed up and restored into a data dir etcd starts on', async (t) => {
  const file = await snapshot('plain.snap');
  const dataDir = join(work, 'plain-restored');
  const restored = await runCli(['restore', file, '--data-dir', dataDir]);
  t.is(restored.code, 0, restored.stderr);
  t.regex(restored.stdout, /^restored .* into .*plain-restored: \d+ keys\n/);
  t.false(await exists(`${file}.credentials.json`), 'no credentials for an etcd without tickflow auth');
  const started = await startEmbeddedEtcd({ dataDir: join(dataDir, 'etcd'), listen: 'loopback' });
  t.teardown(() => started.stop());
  const kv = await connectEtcd({ hosts: started.hosts });
  t.teardown(() => kv.close());
  t.is((await kv.get('/ops/k'))?.value, 'v');
});

test('backup refuses an existing --out without --force, and a missing directory', async (t) => {
  const file = await snapshot('exists.snap');
  const before = await readFile(file);
  const again = await runCli(['backup', '--etcd', etcd.hosts.join(','), '--out', file]);
  t.is(again.code, 1);
  t.regex(
    again.stderr,
    /^error: out ".*exists\.snap": it exists; allowed: a file that does not exist yet \(or --force\)\n$/,
  );
  t.deepEqual(await readFile(file), before);
  const forced = await runCli(['backup', '--etcd', etcd.hosts.join(','), '--out', file, '--force']);
  t.is(forced.code, 0, forced.stderr);

  const missing = await runCli([
    'backup',
    '--etcd',
    etcd.hosts.join(','),
    '--out',
    join(work, 'no-such-dir', 'x.snap'),
  ]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /^error: out ".*x\.snap": its directory .*no-such-dir cannot be used \(ENOENT\)/);

  const noData = await runCli([
    'backup',
    '--data-dir',
    join(work, 'not-a-serve-dir'),
    '--out',
    join(work, 'y.snap'),
  ]);
  t.is(noData.code, 1);
  t.regex(noData.stderr, /^error: no etcd data in --data-dir ".*not-a-serve-dir"/);
  // No temp files left behind by any of them.
  t.deepEqual(
    (await readdir(work)).filter((f) => f.includes('.partial')),
    [],
  );
});

test('restore refuses a non-empty data dir, and a damaged, cut or foreign snapshot', async (t) => {
  const file = await snapshot('good.snap');
  const busy = join(work, 'busy');
  await mkdir(busy);
  await writeFile(join(busy, 'precious'), 'keep me');
  const refused = await runCli(['restore', file, '--data-dir', busy]);
  t.is(refused.code, 1);
  t.regex(
    refused.stderr,
    /^error: data-dir ".*busy": it is not empty \(precious\); a restore never writes over existing data/,
  );
  t.deepEqual(await readdir(busy), ['precious']);

  const damaged = join(work, 'damaged.snap');
  const bytes = await readFile(file);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
  await writeFile(damaged, bytes);
  const cut = join(work, 'cut.snap');
  await copyFile(file, cut);
  await truncate(cut, bytes.length - 4096);
  const foreign = join(work, 'foreign.snap');
  await writeFile(foreign, 'x'.repeat(10_000));
  for (const [snap, problem] of [
    [damaged, /its SHA-256 trailer does not match its contents \(the file is damaged or was cut short\)/],
    [cut, /its SHA-256 trailer does not match its contents/],
    [foreign, /it does not start with an etcd \(bbolt\) database header/],
  ] as const) {
    const dataDir = join(work, `from-${snap.split('/').pop() ?? ''}`);
    const result = await runCli(['restore', snap, '--data-dir', dataDir]);
    t.is(result.code, 1, snap);
    t.regex(result.stderr, /^error: snapshot ".*" is not usable: /);
    t.regex(result.stderr, problem);
    t.false(await exists(dataDir), 'nothing is created');
  }
});

test('a snapshot of an etcd with tickflow auth needs its credentials: refused without, nothing left', async (t) => {
  const source = join(work, 'auth-source');
  const secured = await startEmbeddedEtcd({ dataDir: join(source, 'etcd'), auth: true, maintenance: false });
  t.teardown(() => secured.stop());
  const file = join(work, 'auth.snap');
  const backup = await runCli(['backup', '--data-dir', source, '--out', file]);
  t.is(backup.code, 0, backup.stderr);
  t.true(await exists(`${file}.credentials.json`));
  await rm(`${file}.credentials.json`);

  const dataDir = join(work, 'auth-restored');
  const result = await runCli(['restore', file, '--data-dir', dataDir]);
  t.is(result.code, 1);
  t.regex(
    result.stderr,
    /\nerror: the snapshot has etcd auth on: pass --credentials with the etcd\.credentials\.json/,
  );
  t.false(await exists(dataDir));

  // With the source's credentials file named, it works.
  const ok = await runCli([
    'restore',
    file,
    '--data-dir',
    dataDir,
    '--credentials',
    join(source, 'etcd.credentials.json'),
  ]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /etcd credentials in .*auth-restored\/etcd\.credentials\.json/);
});
