/**
 * Backup, export and import of an external etcd with client TLS, --client-cert-auth and auth on,
 * through the same --etcd-* flags as `tickflow serve`; and the restore of its snapshot, checked
 * with the root password from TICKFLOW_ETCD_PASSWORD (as the replicas of an HA cluster share it).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runCli } from '../../helpers/server-fixture.js';
import { startSecuredEtcd } from '../../helpers/secured-etcd.js';
import { makeTestCerts } from '../../helpers/test-certs.js';

const certs = await makeTestCerts();
const work = await mkdtemp(join(tmpdir(), 'tickflow-secured-backup-'));
const { url, admin, stop } = await startSecuredEtcd(certs, join(work, 'source'));
const PASSWORD = 'root-password-1';
await admin.auth.roleAdd({ name: 'root' });
await admin.auth.userAdd({ name: 'root', password: PASSWORD });
await admin.auth.userGrantRole({ user: 'root', role: 'root' });
await admin.auth.authEnable();
admin.close();

test.after.always(async () => {
  await stop();
  await rm(work, { recursive: true, force: true });
});

const secured = [
  '--etcd',
  url,
  '--etcd-ca',
  certs.ca,
  '--etcd-cert',
  certs.clientCert,
  '--etcd-key',
  certs.clientKey,
];
const withPassword = { env: { TICKFLOW_ETCD_PASSWORD: PASSWORD } };

test('a secured external etcd: import, export and backup with the --etcd-* flags; restore checked with its password', async (t) => {
  const lines = join(work, 'in.jsonl');
  await writeFile(
    lines,
    ['a', 'b', 'c']
      .map((name) =>
        JSON.stringify({
          v: 1,
          namespace: 'orders',
          appId: 'billing',
          name,
          target: 'app',
          schedule: '@every 1h',
          dueTime: '2027-01-01T00:00:00.000Z',
          repeats: 3,
          failurePolicy: { constant: { interval: '2s', maxRetries: 5 } },
          createdAt: '2026-12-01T00:00:00.000Z',
          fired: 0,
        }),
      )
      .join('\n'),
  );
  const imported = await runCli(['jobs', 'import', lines, ...secured, '--etcd-user', 'root'], withPassword);
  t.is(imported.code, 0, imported.stderr);
  t.is(imported.stdout, 'imported 3 lines: 3 created, 0 unchanged, 0 replaced, 0 conflicts\n');

  const exported = await runCli(
    ['jobs', 'export', '--app-id', 'billing', ...secured, '--etcd-user', 'root'],
    withPassword,
  );
  t.is(exported.code, 0, exported.stderr);
  t.deepEqual(
    exported.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { name: string; repeats: number }).name)
      .sort(),
    ['a', 'b', 'c'],
  );

  // Without the password etcd refuses, and the command says so in one line.
  const refused = await runCli(['backup', '--out', join(work, 'refused.snap'), ...secured]);
  t.is(refused.code, 1);
  t.regex(
    refused.stderr,
    /\nerror: etcd refused the request \(auth: user not found\): a snapshot needs a user with etcd's root role; pass --etcd-user /,
  );
  const refusedExport = await runCli(['jobs', 'export', ...secured]);
  t.is(refusedExport.code, 1);
  t.regex(
    refusedExport.stderr,
    /\nerror: etcd refused the request \(.*permission denied\): an export needs a user that may read/,
  );

  const file = join(work, 'secured.snap');
  const backup = await runCli(['backup', '--out', file, ...secured, '--etcd-user', 'root'], withPassword);
  t.is(backup.code, 0, backup.stderr);

  const wrong = await runCli(['restore', file, '--data-dir', join(work, 'wrong')], {
    env: { TICKFLOW_ETCD_PASSWORD: 'not-the-password' },
  });
  t.is(wrong.code, 1);
  t.regex(
    wrong.stderr,
    /error: the credentials in TICKFLOW_ETCD_PASSWORD are not those of the snapshot's etcd/,
  );

  const restored = await runCli(['restore', file, '--data-dir', join(work, 'restored')], withPassword);
  t.is(restored.code, 0, restored.stderr);
  t.regex(restored.stdout, /^restored .*secured\.snap into .*restored: \d+ keys\n/);
});
