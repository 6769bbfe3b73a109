/**
 * `tickflow serve --scheduler-grpc-port 0`, run as a user runs it (bin/tickflow.js, so `npm run
 * build` first): the startup line names the port, WatchHosts gives the advertised address, a
 * sidecar gets its trigger there, and SIGTERM with a WatchJobs stream still open shuts down cleanly.
 */
import test from 'ava';
import { runCli, startServerProcess } from '../../helpers/server-fixture.js';
import { SidecarSimulator } from './sidecar-simulator.js';

test('the flag serves the Scheduler API; shutdown with a sidecar connected is clean', async (t) => {
  const server = await startServerProcess({
    args: ['--scheduler-grpc-port', '0', '--scheduler-advertise-address', 'scheduler-0.example:50006'],
  });
  t.teardown(() => server.stop());
  const port = Number(/; Dapr Scheduler on 127\.0\.0\.1:(\d+);/.exec(server.stdout())?.[1]);
  t.true(port > 0, server.stdout());
  const s = new SidecarSimulator(port);
  t.teardown(() => s.close());
  t.deepEqual(await s.firstHosts(), ['scheduler-0.example:50006']);
  const stream = s.watch({ namespace: 'default', app_id: 'orders' }, () => 'hold');
  const metadata = { namespace: 'default', app_id: 'orders', target: { job: {} } };
  t.like(await s.call('ScheduleJob', { name: 'hello', job: { due_time: '0s' }, metadata }), { ok: true });
  const [trigger] = await stream.received(1);
  t.is(trigger?.name, 'hello');
  // The trigger is still unanswered: shutdown ends the stream and stages it, without waiting.
  const exit = await server.stop();
  t.deepEqual(exit, { code: 0, signal: null });
  t.like(await stream.ended, { code: 0 });
  t.regex(server.stderr(), /scheduler: sidecar connected: default\/orders/);
});

test('a malformed advertise address is a usage error, before anything starts', async (t) => {
  const result = await runCli(['serve', '--scheduler-advertise-address', 'no-port']);
  t.is(result.code, 2);
  t.regex(result.stderr, /Expected host:port/);
});
