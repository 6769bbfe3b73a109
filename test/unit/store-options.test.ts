/**
 * Store options are checked when a client, runtime or test environment is built, before any
 * connection is attempted: a bad value fails at once, naming the field, not at the first request.
 */
import test from 'ava';
import { StoreError, WorkflowClient, WorkflowRuntime } from '../../src/index.js';

const bad: Array<[string, Record<string, unknown>]> = [
  ['hosts', { hosts: [] }],
  ['hosts', { hosts: [''] }],
  ['dialTimeoutMs', { hosts: ['http://127.0.0.1:1'], dialTimeoutMs: 0 }],
  ['requestTimeoutMs', { hosts: ['http://127.0.0.1:1'], requestTimeoutMs: Number.NaN }],
  ['retryDeadlineMs', { hosts: ['http://127.0.0.1:1'], retryDeadlineMs: -1 }],
];

for (const [field, etcd] of bad) {
  test(`etcd.${field} ${field === 'hosts' ? JSON.stringify(etcd['hosts']) : String(etcd[field])} is refused when the client is built`, (t) => {
    for (const build of [
      () => new WorkflowClient({ etcd: etcd as { hosts: string[] } }),
      () => new WorkflowRuntime({ etcd: etcd as { hosts: string[] } }),
    ]) {
      const error = t.throws(build, { instanceOf: StoreError });
      t.is((error as StoreError & { field?: string }).field, field);
      t.regex(error?.message ?? '', /allowed: /);
    }
  });
}

test('good options are accepted, and building connects to nothing (that happens on first use)', async (t) => {
  // Nothing listens on port 1, so a connection attempt here would fail the build.
  const etcd = {
    hosts: ['http://127.0.0.1:1'],
    dialTimeoutMs: 100,
    requestTimeoutMs: 100,
    retryDeadlineMs: 0,
  };
  let client: WorkflowClient | undefined;
  t.notThrows(() => {
    client = new WorkflowClient({ etcd });
  });
  await client?.close();
});
