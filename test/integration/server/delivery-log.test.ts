/**
 * A job whose callbacks keep failing is not silent: its first failed delivery is logged once,
 * with the cause (issue 14: an unreachable app used to drop jobs after 4 attempts, logging nothing).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startServerProcess } from '../../helpers/server-fixture.js';

test('an app answering 500: one warning per job naming the status, while every retry still goes out', async (t) => {
  let calls = 0;
  const app = createServer((req, res) => {
    if (req.url?.startsWith('/job/')) calls++;
    res.statusCode = req.url?.startsWith('/job/') ? 500 : 200;
    res.end();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => app.close(() => resolve())));
  const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const server = await startServerProcess({ appUrl });
  t.teardown(() => server.stop());

  const res = await server.request('POST', '/v1.0-alpha1/jobs/failing', {
    body: { dueTime: '0s', failurePolicy: { constant: { interval: '200ms', maxRetries: 3 } } },
  });
  t.is(res.status, 204, res.text);
  // 1 attempt + 3 retries, then the job is dropped (it was one-shot).
  await waitFor(
    async () => calls >= 4 && (await server.request('GET', '/v1.0-alpha1/jobs/failing')).status === 404,
    {
      what: 'four failed deliveries and the job gone',
      timeoutMs: 30_000,
    },
  );
  const lines = server
    .stderr()
    .split('\n')
    .filter((line) => line.includes('job "failing"'));
  t.is(lines.length, 1, server.stderr());
  t.regex(
    lines[0] ?? '',
    /delivery to http:\/\/127\.0\.0\.1:\d+\/job\/\.\.\. failed \(attempt 1\): the app answered 500/,
  );
});
