import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { runCli, startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { RecorderApp } from '../server/recorder-app.js';

// Jobs moved from one cluster to another with `tickflow jobs export` / `import`: each fires on the
// new cluster what was left of it at the export, none early, once; a second import changes nothing.

const JOBS = '/v1.0-alpha1/jobs';
const RECURRING = 40;
const ONE_SHOTS = 60;
const PERIOD_MS = 1_000;
const REPEATS = 4;

interface ExportLine {
  name: string;
  namespace: string;
  appId: string;
  dueTime: string;
  repeats?: number;
  schedule?: string;
  ttl?: string;
  data?: unknown;
  fired: number;
}

test('export from one cluster, import into another: what is left fires there, once, none early', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'tickflow-export-'));
  const appA = await RecorderApp.start();
  const appB = await RecorderApp.start();
  const servers: ServerProcess[] = [];
  t.teardown(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([appA.close(), appB.close()]);
    await rm(work, { recursive: true, force: true });
  });
  const [a, b] = await Promise.all([
    startServerProcess({ appUrl: appA.url }),
    startServerProcess({ appUrl: appB.url }),
  ]);
  servers.push(a, b);

  const base = Date.now();
  const names: string[] = [];
  for (let i = 0; i < RECURRING; i++) {
    names.push(`rec-${i}`);
    const body = {
      schedule: '@every 1s',
      dueTime: new Date(base + 1_000).toISOString(),
      repeats: REPEATS,
      ttl: new Date(base + 60_000).toISOString(),
      data: { i, kind: 'rec' },
      // Retried forever: ticks failing on A once its app is gone stay pending, however slow the machine.
      failurePolicy: { constant: { interval: '2s' } },
    };
    t.is((await a.request('POST', `${JOBS}/rec-${i}`, { body })).status, 204);
  }
  for (let i = 0; i < ONE_SHOTS; i++) {
    names.push(`one-${i}`);
    const body = {
      dueTime: new Date(base + 5_000).toISOString(),
      data: `one ${i}`,
      failurePolicy: { constant: { interval: '1s' } },
    };
    t.is((await a.request('POST', `${JOBS}/one-${i}`, { body })).status, 204);
  }
  await waitFor(() => new Set(appA.calls.map((c) => c.name)).size === RECURRING, {
    what: 'a first tick of every recurring job on A',
    timeoutMs: 15_000,
  });
  // The source stops delivering before the export (its app is gone; then it is stopped), as the
  // documented procedure has it: nothing it fires after the export is fired twice.
  await appA.close();

  const file = join(work, 'jobs.jsonl');
  const exported = await runCli([
    'jobs',
    'export',
    '--data-dir',
    a.dataDir,
    '--namespace',
    'default',
    '--out',
    file,
  ]);
  t.is(exported.code, 0, exported.stderr);
  t.regex(
    exported.stderr,
    new RegExp(`exported ${RECURRING + ONE_SHOTS} jobs from 1 scope\\(s\\) \\(default/tickflow\\)`),
  );
  await a.stop();
  const lines = (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ExportLine);
  const byName = new Map(lines.map((l) => [l.name, l]));
  t.deepEqual([...byName.keys()].sort(), [...names].sort());
  const rec0 = byName.get('rec-0');
  t.like(rec0, {
    namespace: 'default',
    appId: 'tickflow',
    schedule: '@every 1s',
    data: { i: 0, kind: 'rec' },
  });
  t.is((rec0?.repeats ?? 0) + (rec0?.fired ?? 0), REPEATS, 'repeats left + fired = repeats');
  t.is(rec0?.ttl, new Date(base + 60_000).toISOString());

  const imported = await runCli(['jobs', 'import', file, '--data-dir', b.dataDir]);
  t.is(imported.code, 0, imported.stderr);
  t.is(
    imported.stdout,
    `imported ${lines.length} lines: ${lines.length} created, 0 unchanged, 0 replaced, 0 conflicts\n`,
  );

  const expected = lines.reduce((sum, l) => sum + (l.schedule === undefined ? 1 : (l.repeats ?? 0)), 0);
  await waitFor(() => appB.calls.length >= expected, {
    what: `${expected} deliveries on B`,
    timeoutMs: 20_000,
  });
  for (const line of lines) {
    const calls = appB
      .callsFor(line.name)
      .map((c) => c.at)
      .sort((x, y) => x - y);
    const ticks = line.schedule === undefined ? 1 : (line.repeats ?? 0);
    const due = Date.parse(line.dueTime);
    t.is(calls.length, ticks, `${line.name}: ${ticks} ticks left, delivered ${calls.length}`);
    calls.forEach((at, k) => {
      const tick = due + k * (line.schedule === undefined ? 0 : PERIOD_MS);
      t.true(at >= tick, `${line.name} tick ${k + 1} delivered ${tick - at} ms early`);
    });
  }
});

test('a conflicting job is kept unless --overwrite; bad lines are named by number and field', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'tickflow-import-'));
  const server = await startServerProcess();
  t.teardown(async () => {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  });
  const due = new Date(Date.now() + 3_600_000).toISOString();
  const line = (name: string, data: unknown): string =>
    JSON.stringify({
      v: 1,
      namespace: 'default',
      appId: 'tickflow',
      name,
      target: 'app',
      dueTime: due,
      data,
      failurePolicy: { drop: {} },
      createdAt: '2026-01-01T00:00:00.000Z',
      fired: 0,
    });
  const first = join(work, 'first.jsonl');
  await writeFile(first, `${line('kept', 1)}\n\n${line('other', 2)}\n`);
  t.is((await runCli(['jobs', 'import', first, '--data-dir', server.dataDir])).code, 0);
  // Imported twice: stored once, nothing restarted.
  const twice = await runCli(['jobs', 'import', first, '--data-dir', server.dataDir]);
  t.is(twice.stdout, 'imported 3 lines: 0 created, 2 unchanged, 0 replaced, 0 conflicts\n', twice.stderr);

  const changed = join(work, 'changed.jsonl');
  await writeFile(changed, `${line('kept', 'new data')}\n${line('other', 2)}\n`);
  const conflict = await runCli(['jobs', 'import', changed, '--data-dir', server.dataDir]);
  t.is(conflict.code, 1);
  t.is(conflict.stdout, 'imported 2 lines: 0 created, 1 unchanged, 0 replaced, 1 conflicts\n');
  t.regex(
    conflict.stderr,
    /error: 1 jobs exist in another form and were kept \(kept\); pass --overwrite to replace them/,
  );
  t.is(((await server.request('GET', `${JOBS}/kept`)).json as { data: unknown }).data, 1);

  const overwrite = await runCli(['jobs', 'import', changed, '--overwrite', '--data-dir', server.dataDir]);
  t.is(overwrite.code, 0, overwrite.stderr);
  t.is(overwrite.stdout, 'imported 2 lines: 0 created, 1 unchanged, 1 replaced, 0 conflicts\n');
  t.is(((await server.request('GET', `${JOBS}/kept`)).json as { data: unknown }).data, 'new data');

  const bad = join(work, 'bad.jsonl');
  await writeFile(bad, `${line('fine', 1)}\n${line('fine2', 2)}\n${line('late', 3).replace(due, '10m')}\n`);
  const refused = await runCli(['jobs', 'import', bad, '--data-dir', server.dataDir]);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /^error: line 3: invalid dueTime: "10m"; allowed: an RFC3339 timestamp/);

  const long = join(work, 'long.jsonl');
  await writeFile(long, `${line('fine', 1)}\n${line('huge', 'x'.repeat(3 * 1024 * 1024))}\n`);
  const tooLong = await runCli(['jobs', 'import', long, '--dry-run', '--data-dir', server.dataDir]);
  t.is(tooLong.code, 2);
  t.regex(
    tooLong.stderr,
    /^error: line 2: invalid line: "more than \d+ bytes"; allowed: at most 2097152 bytes/,
  );

  const unknownField = join(work, 'unknown.jsonl');
  await writeFile(unknownField, `${line('odd', 1).replace('"v":1', '"v":1,"color":"red"')}\n`);
  const odd = await runCli(['jobs', 'import', unknownField, '--data-dir', server.dataDir]);
  t.is(odd.code, 2);
  t.regex(odd.stderr, /^error: line 1: invalid color: "red"; allowed: only the fields v, namespace/);
});
