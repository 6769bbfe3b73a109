import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { nanoid } from 'nanoid';
import {
  TimerService,
  WorkflowClient,
  WorkflowRuntimeStatus,
  type HistoryEvent,
} from '../../../src/index.js';
import {
  crashFlow,
  crashFlowOutput,
  isSlowInput,
  registerCrashWorkflows,
} from '../../helpers/crash-workflows.js';
import { useEtcd } from '../../helpers/etcd.js';
import { within } from '../../helpers/etcd-wait.js';
import { completionCounts, startRuntime, TEST_PARTITIONS } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);
const CHILD = fileURLToPath(new URL('../../helpers/runtime-child.ts', import.meta.url));
const INSTANCES = 100;
const KILL_AFTER_STEPS = Number(process.env.KILL_AT ?? 3 * INSTANCES);

interface ChildLine {
  event: string;
  instanceId?: string;
  message?: string;
}

/** Starts the runtime child process; `onLine` sees each JSON line it prints. */
function startChild(appId: string, onLine: (line: ChildLine) => void): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, etcd.hosts.join(','), appId, String(TEST_PARTITIONS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    try {
      onLine(JSON.parse(text) as ChildLine);
    } catch {
      // Not one of our lines.
    }
  });
  return child;
}

function check(history: readonly HistoryEvent[]): string[] {
  const problems: string[] = [];
  const scheduled = history.filter((e) => e.type === 'TaskScheduled').map((e) => e.eventId);
  const timers = history.flatMap((e) => (e.type === 'TimerCreated' ? [e] : []));
  const counts = completionCounts(history);
  for (const id of scheduled) {
    if (counts.get(`TaskCompleted#${id}`) !== 1)
      problems.push(`task ${id}: ${counts.get(`TaskCompleted#${id}`) ?? 0} results`);
  }
  for (const timer of timers) {
    if (counts.get(`TimerFired#${timer.eventId}`) !== 1)
      problems.push(`timer ${timer.eventId} not fired once`);
    const fired = history.find((e) => e.type === 'TimerFired' && e.eventId === timer.eventId);
    if (fired && fired.timestamp.getTime() < timer.fireAt.getTime())
      problems.push(`timer ${timer.eventId} fired early`);
  }
  if (scheduled.length !== 3 || timers.length !== 2)
    problems.push(`${scheduled.length} tasks, ${timers.length} timers`);
  return problems;
}

test('SIGKILL of the runtime mid-flight: a new runtime completes all 100 workflows, once each', async (t) => {
  const appId = `crash-${nanoid(6)}`;
  let steps = 0;
  let onOwned: () => void = () => undefined;
  const owned = new Promise<void>((resolve) => (onOwned = resolve));
  let onEnoughSteps: () => void = () => undefined;
  const enoughSteps = new Promise<void>((resolve) => (onEnoughSteps = resolve));
  const child = startChild(appId, (line) => {
    if (line.event === 'owned') onOwned();
    if (line.event === 'step' && ++steps === KILL_AFTER_STEPS) onEnoughSteps();
    if (line.event === 'warning') t.log(`child warning: ${line.message ?? ''}`);
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await within(owned, { timeoutMs: 20_000, what: 'the child runtime to own its partitions' });

  // The client and the recovering runtime share this scope; the runtime starts after the kill.
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, appId, partitions: TEST_PARTITIONS });
  t.teardown(() => client.close());
  const ids = await Promise.all(
    Array.from({ length: INSTANCES }, (_, n) => client.scheduleNewWorkflow(crashFlow, n, `crash-${n}`)),
  );
  await within(enoughSteps, { timeoutMs: 30_000, what: `${KILL_AFTER_STEPS} steps in the child` });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;

  const before = await client.listWorkflows({ status: WorkflowRuntimeStatus.COMPLETED, pageSize: 1000 });
  t.log(`killed after ${steps} steps; ${before.instances.length} of ${INSTANCES} had completed`);
  t.true(before.instances.length < INSTANCES, 'the kill came mid-flight');

  // Instances whose activities were running in the killed process keep their fallback reminder.
  const jobs = new TimerService({ kv: await etcd.connect(), appId, partitions: TEST_PARTITIONS });
  const orphaned = (await jobs.list({ prefix: 'wf~crash-' })).filter((j) => j.name.endsWith('~fallback'));
  t.log(`${orphaned.length} fallback reminders left by the killed runtime`);
  t.true(
    ids.filter((_, n) => isSlowInput(n)).every((id) => orphaned.some((j) => j.name === `wf~${id}~fallback`)),
    'the slow first activities were in flight',
  );

  await startRuntime(t, etcd, registerCrashWorkflows, { appId });
  const states = await Promise.all(ids.map((id) => client.waitForWorkflowCompletion(id, true, 60)));
  for (const [n, state] of states.entries()) {
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED, state.instanceId);
    t.is(state.serializedOutput, String(crashFlowOutput(n)), state.instanceId);
  }
  const problems = [];
  for (const id of ids) {
    for (const problem of check(await client.getWorkflowHistory(id))) problems.push(`${id}: ${problem}`);
  }
  t.deepEqual(problems, []);
});
