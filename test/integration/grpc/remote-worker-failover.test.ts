/**
 * Remote workers coming and going: two `@dapr/dapr` WorkflowRuntime workers (one in this
 * process, one in a child process) share a fan-out; a worker killed (SIGKILL) with activities in
 * flight has them redelivered to another, and the instance completes with each task completed
 * exactly once; an instance of a workflow no connected worker runs waits, visibly stalled with a
 * WorkflowNotServedError, and runs as soon as a worker that has it connects.
 *
 * The tests share one server and count its connected workers, so they run serially.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import {
  DaprWorkflowClient,
  LogLevel,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '@dapr/dapr';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import pb from '@dapr/durabletask-js/proto/orchestrator_service_pb.js';
import grpcPb from '@dapr/durabletask-js/proto/orchestrator_service_grpc_pb.js';
import { isAlive, startServerProcess } from '../../helpers/server-fixture.js';
import {
  LATE_WORKFLOW,
  SHARED_FAN_OUT,
  SLOW_FAN_OUT,
  STUCK_WORKFLOW,
  registerFailoverWork,
  registerLateWork,
  type ActivityRun,
} from './fixtures/failover-workflows.js';
import { eventsOf, historyOf, instanceOf, pollUntil } from './fixtures/remote-helpers.js';
import { startTcpProxy } from './fixtures/tcp-proxy.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/dapr-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const server = await startServerProcess();
test.after.always(() => server.stop());
const sidecar = {
  daprHost: '127.0.0.1',
  daprPort: String(server.grpcPort),
  logger: { level: process.env.TICKFLOW_TEST_SDK_LOGS ? LogLevel.Info : LogLevel.Error },
};
const client = new DaprWorkflowClient(sidecar);
test.after.always(() => client.stop());

/** A value of the server's /metrics (summed over the label sets that contain `labels`). */
async function metric(name: string, labels = ''): Promise<number> {
  const res = await server.request('GET', '/metrics');
  let sum = 0;
  for (const line of res.text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] !== name || !(match[2] ?? '').includes(labels)) continue;
    sum += Number(match[3]);
  }
  return sum;
}

/** Waits until exactly `n` workers are connected to the server. */
async function connectedWorkers(n: number): Promise<void> {
  await pollUntil(`${n} connected workers`, async () =>
    (await metric('tickflow_workers_connected')) === n ? true : undefined,
  );
}

interface WorkerChild {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  /** The `@@` records the worker printed so far. */
  records(): Record<string, unknown>[];
  /** Resolves with the first record `match` accepts (one already printed, or a later one). */
  next(
    what: string,
    match: (r: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  stderr(): string;
}

/** Starts fixtures/dapr-worker.ts in a child process, killed (SIGKILL) at the test's end. */
function startWorkerChild(
  t: ExecutionContext,
  name: string,
  flags: string[] = [],
  options: { portFromEnv?: boolean } = {},
): WorkerChild {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER_SCRIPT, options.portFromEnv ? 'env' : String(server.grpcPort), name, ...flags],
    {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DAPR_GRPC_PORT: String(server.grpcPort),
        DAPR_HOST: '127.0.0.1',
        DAPR_GRPC_ENDPOINT: '',
      },
    },
  );
  const records: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('@@ ')) records.push(JSON.parse(line.slice(3)) as Record<string, unknown>);
    }
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const guard = (): void => void child.kill('SIGKILL');
  process.once('exit', guard);
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    process.off('exit', guard);
  });
  return {
    process: child,
    pid: child.pid ?? -1,
    exited,
    records: () => [...records],
    stderr: () => stderr,
    next: (what, match, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = records.find(match);
          if (!found) return false;
          cleanup();
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`worker ${name}: no ${what} within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        const onExit = (): void => {
          if (check()) return;
          cleanup();
          reject(new Error(`worker ${name} exited before ${what}; stderr:\n${stderr}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
          child.off('exit', onExit);
        };
        const wake = (): void => void check();
        if (check()) return;
        waiters.add(wake);
        child.once('exit', onExit);
      }),
  };
}

/** A WorkflowRuntime in this process, stopped at the test's end. */
async function startLocalWorker(
  t: ExecutionContext,
  register: (runtime: WorkflowRuntime) => WorkflowRuntime,
): Promise<WorkflowRuntime> {
  const runtime = register(new WorkflowRuntime(sidecar));
  await runtime.start();
  t.teardown(() => runtime.stop());
  return runtime;
}

test.afterEach.always(async () => {
  // Each test starts with no worker connected (the last one's have stopped or been killed).
  await connectedWorkers(0);
});

test.serial('two workers share a fan-out of 20 activities; every result exactly once', async (t) => {
  // The child finds the server as it would a Dapr sidecar, from DAPR_GRPC_PORT.
  const childWorker = startWorkerChild(t, 'child', [], { portFromEnv: true });
  await childWorker.next('start', (r) => r.event === 'started');
  const localRuns: ActivityRun[] = [];
  await startLocalWorker(t, (rt) =>
    registerFailoverWork(rt, 'local', { onRun: (run) => localRuns.push(run) }),
  );
  await connectedWorkers(2);

  const id = `share-${randomUUID()}`;
  await client.scheduleNewWorkflow(SHARED_FAN_OUT, 20, id);
  const state = await client.waitForWorkflowCompletion(id, true, 45);
  t.is(
    state?.runtimeStatus,
    WorkflowRuntimeStatus.COMPLETED,
    state?.workflowFailureDetails?.getErrorMessage(),
  );

  const results = JSON.parse(state?.serializedOutput ?? '[]') as string[];
  t.is(results.length, 20);
  t.deepEqual(
    results.map((r) => Number(r.split('@')[0])),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const byWorker = new Map<string, number>();
  for (const r of results)
    byWorker.set(r.split('@')[1] ?? '', (byWorker.get(r.split('@')[1] ?? '') ?? 0) + 1);
  t.true((byWorker.get('child') ?? 0) > 0, `the child worker ran none: ${JSON.stringify([...byWorker])}`);
  t.true((byWorker.get('local') ?? 0) > 0, `the local worker ran none: ${JSON.stringify([...byWorker])}`);
  t.is((byWorker.get('child') ?? 0) + (byWorker.get('local') ?? 0), 20);

  // Each activity ran once, on the worker its result names: no redelivery, no duplicate run.
  const childRuns = childWorker.records().filter((r) => r.event === 'activity' && r.instanceId === id);
  const thisRuns = localRuns.filter((r) => r.instanceId === id);
  t.is(childRuns.length + thisRuns.length, 20);
  t.is(childRuns.length, byWorker.get('child') ?? 0);
  const taskIds = [...childRuns.map((r) => Number(r.taskId)), ...thisRuns.map((r) => r.taskId)];
  t.is(new Set(taskIds).size, 20);

  const history = await historyOf(server, id);
  const completed = eventsOf(history, 'TaskCompleted').map((e) => e.eventId);
  t.is(completed.length, 20);
  t.is(new Set(completed).size, 20);
  t.is(eventsOf(history, 'TaskFailed').length, 0);
});

test.serial(
  'a worker killed mid-activity: its activities go to another worker, each completed once',
  async (t) => {
    const victim = startWorkerChild(t, 'victim', ['--block']);
    await victim.next('start', (r) => r.event === 'started');
    await connectedWorkers(1);
    const redeliveredBefore = await metric('tickflow_worker_items_dispatched_total', 'redelivery="true"');

    const id = `kill-${randomUUID()}`;
    await client.scheduleNewWorkflow(SLOW_FAN_OUT, 3, id);
    // All three activities are running in the victim (it printed each), and none has an answer.
    for (const input of [1, 2, 3]) {
      await victim.next(
        `activity ${input} of ${id}`,
        (r) => r.event === 'activity' && r.instanceId === id && r.input === input,
      );
    }
    t.is((await instanceOf(server, id))?.runtimeStatus, 'RUNNING');
    t.is(eventsOf(await historyOf(server, id), 'TaskCompleted').length, 0);

    // The rescuer connects while the activities are in flight on the victim: nothing goes to it yet.
    const rescuerRuns: ActivityRun[] = [];
    await startLocalWorker(t, (rt) =>
      registerFailoverWork(rt, 'rescuer', { onRun: (run) => rescuerRuns.push(run) }),
    );
    await connectedWorkers(2);
    t.is(rescuerRuns.length, 0);

    process.kill(victim.pid, 'SIGKILL');
    await victim.exited;
    t.false(isAlive(victim.pid));

    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), ['1@rescuer', '2@rescuer', '3@rescuer']);
    // The victim's runs were the first deliveries, the rescuer's the redeliveries, one per task.
    const victimTasks = victim
      .records()
      .filter((r) => r.event === 'activity' && r.instanceId === id)
      .map((r) => Number(r.taskId))
      .sort();
    const rescuerTasks = rescuerRuns
      .filter((r) => r.instanceId === id)
      .map((r) => r.taskId)
      .sort();
    t.deepEqual(rescuerTasks, victimTasks);
    t.is(rescuerTasks.length, 3);
    t.true(
      (await metric('tickflow_worker_items_dispatched_total', 'redelivery="true"')) - redeliveredBefore >= 3,
      'the server counts the three activities as redelivered',
    );

    const history = await historyOf(server, id);
    const scheduled = eventsOf(history, 'TaskScheduled').map((e) => e.eventId);
    const completed = eventsOf(history, 'TaskCompleted').map((e) => e.eventId);
    t.is(scheduled.length, 3);
    t.deepEqual([...completed].sort(), [...scheduled].sort(), 'exactly one TaskCompleted per task');
    t.is(eventsOf(history, 'TaskFailed').length, 0);
    t.is(eventsOf(history, 'ExecutionCompleted').length, 1);
  },
);

test.serial(
  'a worker killed mid-activity with no other connected: its activities wait for the next worker',
  async (t) => {
    const victim = startWorkerChild(t, 'lonely-victim', ['--block']);
    await victim.next('start', (r) => r.event === 'started');
    await connectedWorkers(1);

    const id = `queue-${randomUUID()}`;
    await client.scheduleNewWorkflow(SLOW_FAN_OUT, 3, id);
    for (const input of [1, 2, 3]) {
      await victim.next(
        `activity ${input} of ${id}`,
        (r) => r.event === 'activity' && r.instanceId === id && r.input === input,
      );
    }
    process.kill(victim.pid, 'SIGKILL');
    await victim.exited;
    await connectedWorkers(0);

    // The three wait on the server for a worker; the instance is still running, nothing completed.
    await pollUntil('three activities waiting for a worker', async () =>
      (await metric('tickflow_worker_activities_queued')) === 3 ? true : undefined,
    );
    t.is((await instanceOf(server, id))?.runtimeStatus, 'RUNNING');
    t.is(eventsOf(await historyOf(server, id), 'TaskCompleted').length, 0);

    const rescuerRuns: ActivityRun[] = [];
    await startLocalWorker(t, (rt) =>
      registerFailoverWork(rt, 'rescuer', { onRun: (run) => rescuerRuns.push(run) }),
    );
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), ['1@rescuer', '2@rescuer', '3@rescuer']);
    t.is(rescuerRuns.filter((r) => r.instanceId === id).length, 3);
    t.is(await metric('tickflow_worker_activities_queued'), 0);
    const history = await historyOf(server, id);
    const scheduled = eventsOf(history, 'TaskScheduled').map((e) => e.eventId);
    t.deepEqual(
      eventsOf(history, 'TaskCompleted')
        .map((e) => e.eventId)
        .sort(),
      scheduled.sort(),
    );
  },
);

test.serial(
  'a worker killed in the middle of a workflow step: the step goes to another worker',
  async (t) => {
    const victim = startWorkerChild(t, 'step-victim', ['--block']);
    await victim.next('start', (r) => r.event === 'started');
    await connectedWorkers(1);

    const id = `step-${randomUUID()}`;
    await client.scheduleNewWorkflow(STUCK_WORKFLOW, 7, id);
    // The victim runs the first step and hangs in it (the workflow code never yields).
    await victim.next(`the first step of ${id}`, (r) => r.event === 'step' && r.instanceId === id);
    const steps: string[] = [];
    await startLocalWorker(t, (rt) => registerFailoverWork(rt, 'rescuer', { onStep: (i) => steps.push(i) }));
    await connectedWorkers(2);
    t.deepEqual(steps, [], 'the step stays with the victim while it is connected');

    process.kill(victim.pid, 'SIGKILL');
    await victim.exited;
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.is(state?.serializedOutput, JSON.stringify('7@rescuer (workflow on rescuer)'));
    const history = await historyOf(server, id);
    for (const type of ['ExecutionStarted', 'TaskScheduled', 'TaskCompleted', 'ExecutionCompleted']) {
      t.is(eventsOf(history, type).length, 1, type);
    }
  },
);

test.serial(
  'a worker killed in a workflow step with no other connected: the instance waits, then runs on the next worker',
  async (t) => {
    const victim = startWorkerChild(t, 'lonely-step-victim', ['--block']);
    await victim.next('start', (r) => r.event === 'started');
    await connectedWorkers(1);

    const id = `step-alone-${randomUUID()}`;
    await client.scheduleNewWorkflow(STUCK_WORKFLOW, 8, id);
    await victim.next(`the first step of ${id}`, (r) => r.event === 'step' && r.instanceId === id);
    process.kill(victim.pid, 'SIGKILL');
    await victim.exited;
    await connectedWorkers(0);

    const stalled = await pollUntil(
      'the instance to stall for want of a worker',
      async () => {
        const view = await instanceOf(server, id);
        return view?.properties['tickflow.stalled.error_type'] ? view : undefined;
      },
      { describe: async () => JSON.stringify(await instanceOf(server, id)) },
    );
    t.is(stalled.runtimeStatus, 'RUNNING');
    t.regex(
      stalled.properties['tickflow.stalled.error_type'] ?? '',
      /^(WorkerUnavailableError|WorkflowNotServedError)$/,
    );

    await startLocalWorker(t, (rt) => registerFailoverWork(rt, 'rescuer'));
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.is(state?.serializedOutput, JSON.stringify('8@rescuer (workflow on rescuer)'));
    const history = await historyOf(server, id);
    for (const type of ['ExecutionStarted', 'TaskScheduled', 'TaskCompleted', 'ExecutionCompleted']) {
      t.is(eventsOf(history, type).length, 1, type);
    }
  },
);

test.serial(
  "a worker's late answer, after its connection dropped and the activity ran elsewhere, is dropped",
  async (t) => {
    // Worker A reaches the server through a proxy whose connections the test cuts; its process (this
    // one) lives on, finishes the activity and answers after the activity was run by worker B.
    const proxy = await startTcpProxy(server.grpcPort ?? 0);
    t.teardown(() => proxy.close());
    let startedOnA!: () => void;
    const runningOnA = new Promise<void>((resolve) => (startedOnA = resolve));
    let releaseA!: () => void;
    const gateA = new Promise<void>((resolve) => (releaseA = resolve));
    let answerSentByA!: () => void;
    const answeredByA = new Promise<void>((resolve) => (answerSentByA = resolve));
    const flow = async function* (
      ctx: WorkflowContext,
      input: string,
    ): AsyncGenerator<unknown, string, string> {
      return yield ctx.callActivity('handoffActivity', input);
    };
    const workerA = new WorkflowRuntime({ ...sidecar, daprPort: String(proxy.port) })
      .registerWorkflowWithName('handoffFlow', flow)
      .registerActivityWithName('handoffActivity', async (_ctx: WorkflowActivityContext, input: string) => {
        startedOnA();
        await gateA;
        setImmediate(answerSentByA);
        return `${input} by A`;
      });
    const workerB = new WorkflowRuntime(sidecar)
      .registerWorkflowWithName('handoffFlow', flow)
      .registerActivityWithName(
        'handoffActivity',
        async (_ctx: WorkflowActivityContext, input: string) => `${input} by B`,
      );
    await workerA.start();
    // The Dapr SDK's worker stops itself when its connection drops (UNAVAILABLE), so stopping it
    // again may throw "The worker is not running".
    t.teardown(() => workerA.stop().catch(() => undefined));
    await connectedWorkers(1);

    const id = `handoff-${randomUUID()}`;
    await client.scheduleNewWorkflow('handoffFlow', 'job', id);
    await runningOnA;
    await workerB.start();
    t.teardown(() => workerB.stop());
    await connectedWorkers(2);
    const unmatchedBefore = await metric('tickflow_worker_answers_unmatched_total', 'kind="activity"');

    proxy.cut();
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.is(state?.serializedOutput, JSON.stringify('job by B'));

    // A finishes now and answers (its channel reconnects through the proxy): the answer matches
    // nothing in flight and is dropped.
    releaseA();
    await answeredByA;
    await pollUntil('the late answer to reach the server', async () =>
      (await metric('tickflow_worker_answers_unmatched_total', 'kind="activity"')) > unmatchedBefore
        ? true
        : undefined,
    );
    const history = await historyOf(server, id);
    const completed = eventsOf(history, 'TaskCompleted');
    t.is(completed.length, 1);
    t.is(completed[0]?.result, 'job by B');
    t.is((await client.getWorkflowState(id, true))?.serializedOutput, JSON.stringify('job by B'));
  },
);

test.serial(
  'a workflow on one worker, its activities on another: each work item goes to the worker that has it',
  async (t) => {
    const steps: string[] = [];
    const activityRuns: string[] = [];
    await startLocalWorker(t, (rt) =>
      rt.registerWorkflowWithName('splitFlow', async function* (ctx: WorkflowContext, n: number) {
        if (!ctx.isReplaying()) steps.push(ctx.getWorkflowInstanceId());
        // Inputs from 1: the Dapr SDK's callActivity sends no input for a falsy one (0 arrives as
        // undefined), as it would to a Dapr sidecar.
        const tasks = Array.from({ length: n }, (_, i) => ctx.callActivity('splitActivity', i + 1));
        const results: unknown = yield ctx.whenAll(tasks);
        return results;
      }),
    );
    await startLocalWorker(t, (rt) =>
      rt.registerActivityWithName('splitActivity', async (ctx: WorkflowActivityContext, i: number) => {
        activityRuns.push(`${ctx.getWorkflowInstanceId()}#${i}`);
        return `item ${i}`;
      }),
    );
    await connectedWorkers(2);
    const id = `split-${randomUUID()}`;
    await client.scheduleNewWorkflow('splitFlow', 6, id);
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.deepEqual(
      JSON.parse(state?.serializedOutput ?? 'null'),
      Array.from({ length: 6 }, (_, i) => `item ${i + 1}`),
    );
    t.true(steps.includes(id));
    t.is(activityRuns.filter((r) => r.startsWith(`${id}#`)).length, 6);
    const history = await historyOf(server, id);
    t.is(eventsOf(history, 'TaskCompleted').length, 6);
    t.is(eventsOf(history, 'TaskFailed').length, 0);
  },
);

// Answers carry only the instance id and task id; the hub must take a refusal as its sender's
// (the answering call's peer), not as the refusal of the worker the item is with now. Before
// 8d41491 a late refusal from a worker that had left was charged to the worker running the
// redelivered item, and the activity failed as "not registered with any of the 1 connected
// workers" while that worker ran it.
test.serial(
  'a refusal sent late by a worker that left is not charged to the worker now running the activity',
  async (t) => {
    // B (a Dapr SDK worker) has the workflow and the activity; its activity runs wait for the test.
    const startedOnB: number[] = [];
    let openGates!: () => void;
    const gates = new Promise<void>((resolve) => (openGates = resolve));
    await startLocalWorker(t, (rt) =>
      rt
        .registerWorkflowWithName('raceFlow', async function* (ctx: WorkflowContext) {
          const results: unknown = yield ctx.whenAll([
            ctx.callActivity('raceActivity', 1),
            ctx.callActivity('raceActivity', 2),
          ]);
          return results;
        })
        .registerActivityWithName('raceActivity', async (_ctx: WorkflowActivityContext, n: number) => {
          startedOnB.push(n);
          await gates;
          return `${n} on B`;
        }),
    );
    await connectedWorkers(1);

    // F, a bare protocol client, is a worker that has nothing: it refuses workflows at once, and
    // keeps the activity it is given.
    const stub = new grpcPb.TaskHubSidecarServiceClient(
      `127.0.0.1:${server.grpcPort}`,
      grpcCredentials.createInsecure(),
    );
    t.teardown(() => stub.close());
    const stream = stub.getWorkItems(new pb.GetWorkItemsRequest());
    stream.on('error', () => undefined);
    const activityOnF = new Promise<pb.ActivityRequest>((resolve) => {
      stream.on('data', (item: pb.WorkItem) => {
        const orchestrator = item.getOrchestratorrequest();
        if (orchestrator) {
          const failure = new pb.TaskFailureDetails();
          failure.setErrortype('OrchestratorNotRegisteredError');
          failure.setErrormessage('not here');
          const complete = new pb.CompleteOrchestrationAction();
          complete.setOrchestrationstatus(pb.OrchestrationStatus.ORCHESTRATION_STATUS_FAILED);
          complete.setFailuredetails(failure);
          const action = new pb.OrchestratorAction();
          action.setId(-1);
          action.setCompleteorchestration(complete);
          const response = new pb.OrchestratorResponse();
          response.setInstanceid(orchestrator.getInstanceid());
          response.setActionsList([action]);
          stub.completeOrchestratorTask(response, () => undefined);
        }
        const activity = item.getActivityrequest();
        if (activity) resolve(activity);
      });
    });
    await connectedWorkers(2);

    const id = `race-${randomUUID()}`;
    await client.scheduleNewWorkflow('raceFlow', undefined, id);
    // Round-robin: one activity to each worker.
    const held = await Promise.race([
      activityOnF,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the bare worker was given no activity')), 20_000),
      ),
    ]);
    t.is(held.getOrchestrationinstance()?.getInstanceid(), id);

    // F leaves before answering: its activity goes to B...
    stream.cancel();
    await connectedWorkers(1);
    await pollUntil('B to run both activities', async () => (startedOnB.length === 2 ? true : undefined));
    // ...and then F's refusal of it arrives (sent on the same channel, after its stream closed).
    const refusal = new pb.ActivityResponse();
    refusal.setInstanceid(id);
    refusal.setTaskid(held.getTaskid());
    const failure = new pb.TaskFailureDetails();
    failure.setErrortype('ActivityNotRegisteredError');
    failure.setErrormessage("Activity function 'raceActivity' is not registered.");
    refusal.setFailuredetails(failure);
    await new Promise<void>((resolve, reject) =>
      stub.completeActivityTask(refusal, (error) => (error ? reject(error) : resolve())),
    );
    openGates();

    const state = await client.waitForWorkflowCompletion(id, true, 30);
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.deepEqual(JSON.parse(state?.serializedOutput ?? 'null'), ['1 on B', '2 on B']);
    const history = await historyOf(server, id);
    t.is(eventsOf(history, 'TaskFailed').length, 0);
    t.is(eventsOf(history, 'TaskCompleted').length, 2);
  },
);

test.serial(
  'an instance of a workflow no worker runs waits, visibly, and runs when one connects',
  async (t) => {
    // No worker at all: the step stalls, saying so.
    const id = `late-${randomUUID()}`;
    const started = await server.request(
      'POST',
      `/v1.0/workflows/dapr/${LATE_WORKFLOW}/start?instanceID=${id}`,
      { body: 'grace' },
    );
    t.is(started.status, 202, started.text);
    const alone = await pollUntil(
      'the instance to stall with no worker connected',
      async () => {
        const view = await instanceOf(server, id);
        return view?.properties['tickflow.stalled.error_type'] ? view : undefined;
      },
      { describe: async () => JSON.stringify(await instanceOf(server, id)) },
    );
    t.is(alone.runtimeStatus, 'RUNNING');
    t.regex(alone.properties['tickflow.stalled.error_message'] ?? '', /no worker is connected/);

    // A worker that does not run the workflow connects: the step is tried again at once, the
    // worker says no, and the step stalls again, now saying that.
    await startLocalWorker(t, (rt) => registerFailoverWork(rt, 'bystander'));
    await connectedWorkers(1);
    await pollUntil(
      'the step to be tried on the bystander',
      async () => {
        const view = await instanceOf(server, id);
        return /none of the 1 connected workers/.test(
          view?.properties['tickflow.stalled.error_message'] ?? '',
        )
          ? view
          : undefined;
      },
      { timeoutMs: 5_000, describe: async () => JSON.stringify(await instanceOf(server, id)) },
    );

    // Stalled with WorkflowNotServedError, retried with a growing backoff; wait until the next
    // retry is far enough off that a prompt completion can only come from the connecting worker.
    const stalled = await pollUntil(
      'the instance to stall for want of a worker',
      async () => {
        const view = await instanceOf(server, id);
        const attempts = Number(view?.properties['tickflow.stalled.attempts'] ?? 0);
        const nextRetry = Date.parse(view?.properties['tickflow.stalled.next_retry_at'] ?? '');
        return attempts >= 2 && nextRetry - Date.now() > 2_500 ? view : undefined;
      },
      { timeoutMs: 30_000, describe: async () => JSON.stringify(await instanceOf(server, id)) },
    );
    t.is(stalled.runtimeStatus, 'RUNNING');
    t.is(stalled.workflowName, LATE_WORKFLOW);
    t.is(stalled.properties['tickflow.stalled.error_type'], 'WorkflowNotServedError');
    t.regex(stalled.properties['tickflow.stalled.error_message'] ?? '', new RegExp(LATE_WORKFLOW));
    t.truthy(stalled.properties['tickflow.stalled.since']);
    const nextRetryAt = Date.parse(stalled.properties['tickflow.stalled.next_retry_at'] ?? '');
    // Listed as stalled too.
    const listed = await server.request('GET', '/v1.0/workflows/dapr?stalled=true');
    const instances = (
      listed.json as { instances: { instanceID: string; stalled?: { errorType: string } }[] }
    ).instances;
    t.is(instances.find((i) => i.instanceID === id)?.stalled?.errorType, 'WorkflowNotServedError');
    // Nothing ran: no step was taken.
    t.is(eventsOf(await historyOf(server, id), 'TaskScheduled').length, 0);

    const connectAt = Date.now();
    await startLocalWorker(t, (rt) => registerLateWork(rt, 'late'));
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    const doneAt = Date.now();
    t.is(
      state?.runtimeStatus,
      WorkflowRuntimeStatus.COMPLETED,
      state?.workflowFailureDetails?.getErrorMessage(),
    );
    t.is(state?.serializedOutput, JSON.stringify('hello grace from late'));
    t.true(
      doneAt < nextRetryAt,
      `completed ${doneAt - connectAt} ms after the worker connected, not before the stall's next retry (${nextRetryAt - connectAt} ms)`,
    );
    const view = await instanceOf(server, id);
    t.is(view?.runtimeStatus, 'COMPLETED');
    t.is(view?.properties['tickflow.stalled.error_type'], undefined);
  },
);
