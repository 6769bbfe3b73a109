/**
 * scripts/ensure-etcd.sh, which `npm start`, `npm test` and CI run first. The apt-get path is
 * exercised by CI on a fresh machine; here the checks that must never install anything.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const SCRIPT = fileURLToPath(new URL('../../../scripts/ensure-etcd.sh', import.meta.url));
const run = promisify(execFile);

async function ensure(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run('/bin/bash', [SCRIPT], { env: { TICKFLOW_NO_INSTALL: '1', ...env } });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

const EMPTY_PATH = '/nonexistent-tickflow-path';

test('an etcd on PATH is enough, silently', async (t) => {
  t.deepEqual(await ensure({ PATH: process.env['PATH'] ?? '' }), { code: 0, stderr: '' });
});

test('without etcd, and not allowed to install, it says what to do and exits 1', async (t) => {
  const result = await ensure({ PATH: EMPTY_PATH });
  t.is(result.code, 1);
  t.regex(result.stderr, /^error: etcd not found on PATH\. Install it \(.*apt-get install etcd-server\)/);
  t.regex(result.stderr, /TICKFLOW_ETCD_BIN/);
});

test('TICKFLOW_ETCD_BIN wins over PATH; one that is not executable is named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-ensure-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const binary = join(dir, 'etcd');
  await writeFile(binary, '#!/bin/sh\nexit 0\n');
  t.is((await ensure({ PATH: EMPTY_PATH, TICKFLOW_ETCD_BIN: binary })).code, 1, 'not executable yet');
  const refused = await ensure({ PATH: process.env['PATH'] ?? '', TICKFLOW_ETCD_BIN: binary });
  t.is(refused.code, 1, 'an etcd on PATH does not hide a wrong TICKFLOW_ETCD_BIN');
  t.is(
    refused.stderr,
    `error: TICKFLOW_ETCD_BIN=${binary} is not an executable file; point it at an etcd 3.4+ binary or unset it\n`,
  );
  await chmod(binary, 0o755);
  t.deepEqual(await ensure({ PATH: EMPTY_PATH, TICKFLOW_ETCD_BIN: binary }), { code: 0, stderr: '' });
});
