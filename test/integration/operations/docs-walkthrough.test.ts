import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { findFreePort } from '../../../src/etcd/free-port.js';
import { TICKFLOW_BIN } from '../../helpers/server-fixture.js';

// The step-by-step commands of docs/backup-and-restore.md (the `sh` blocks after a
// `<!-- walkthrough -->` comment) run as written, in order, in one bash in an empty directory:
// `npx tickflow` is this repository's bin/tickflow.js, and ports 3500 and 3600 are free ports.
// Each command must succeed (`set -eu`), and the lines the page shows as output must match.

const PAGE = fileURLToPath(new URL('../../../docs/backup-and-restore.md', import.meta.url));

function walkthrough(markdown: string): string[] {
  const blocks: string[] = [];
  const pattern = /<!-- walkthrough -->\s*\n```sh\n([\s\S]*?)\n```/g;
  for (let match = pattern.exec(markdown); match; match = pattern.exec(markdown)) blocks.push(match[1] ?? '');
  return blocks;
}

test('the walkthrough of docs/backup-and-restore.md runs as written', async (t) => {
  const blocks = walkthrough(await readFile(PAGE, 'utf8'));
  t.is(blocks.length, 4, 'the page has its four walkthrough blocks');
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-walkthrough-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await findFreePort();
  let second = await findFreePort();
  while (second === first) second = await findFreePort();
  const script = [
    'set -eu',
    ...(process.env['WALKTHROUGH_TRACE'] === '1' ? ["PS4='+ $(date +%s.%N) '", 'set -x'] : []),
    // Whatever happens, the servers the blocks started in the background go with the script.
    "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
    ...blocks,
  ]
    .join('\n')
    // Replaced in the text, not by a shell function: `kill %1` must reach the server itself.
    .replaceAll('npx tickflow', `node ${JSON.stringify(TICKFLOW_BIN)}`)
    .replaceAll('3500', String(first))
    .replaceAll('3600', String(second));
  const result = await run(script, dir, { TICKFLOW_SERVER: `http://127.0.0.1:${first}` }, 90_000);
  t.log(result.stdout);
  if (process.env['WALKTHROUGH_TRACE'] === '1') t.log(result.stderr);
  t.is(
    result.code,
    0,
    `${result.stderr}\n--- serve.log ---\n${await readFile(join(dir, 'serve.log'), 'utf8').catch(() => '')}`,
  );
  // The outputs the page shows (as comments), in order.
  t.regex(result.stdout, /job "nightly" scheduled\njob "reminder" scheduled\n/);
  t.regex(result.stdout, /backup .*backup\.snap: \d+ bytes .*, revision \d+, sha256 [0-9a-f]{64}\n/);
  t.regex(result.stdout, /etcd credentials of the embedded store: backup\.snap\.credentials\.json/);
  t.regex(
    result.stdout,
    /restored backup\.snap into .*\.tickflow: \d+ keys, [1-9]\d* leases? of the source's processes revoked/,
  );
  t.regex(result.stdout, /name: +nightly\nschedule: +@daily\n/);
  t.regex(result.stdout, /imported 2 lines: 2 created, 0 unchanged, 0 replaced, 0 conflicts\n/);
  t.regex(result.stdout, /imported 2 lines: 0 created, 2 unchanged, 0 replaced, 0 conflicts\n/);
  t.regex(result.stdout, /name: +reminder\n/);
  t.regex(result.stdout, /data: +"call back"\n/);
});

function run(
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A server that never answers would keep `until curl` looping: the whole group goes.
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
