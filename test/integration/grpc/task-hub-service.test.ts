import test, { type ExecutionContext } from 'ava';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServiceError,
} from '@grpc/grpc-js';
import { TaskHubGrpcClient } from '@dapr/durabletask-js';
import pb from '@dapr/durabletask-js/proto/orchestrator_service_pb.js';
import grpcPb from '@dapr/durabletask-js/proto/orchestrator_service_grpc_pb.js';
import { DaprWorkflowClient, WorkflowRuntimeStatus as DaprStatus } from '@dapr/dapr';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import timestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import wrappersPb from 'google-protobuf/google/protobuf/wrappers_pb.js';
import { WorkflowFailure, WorkflowRuntimeStatus, type WorkflowContext } from '../../../src/index.js';
import { loadOrchestratorProtos, TASK_HUB_SERVICE } from '../../../src/grpc/protos.js';
import { createTaskHubService, type TaskHubClient } from '../../../src/grpc/task-hub-service.js';
import { useEtcd } from '../../helpers/etcd.js';
import { nextEvent } from '../../helpers/etcd-wait.js';
import { startRuntime, type RuntimeFixture } from '../../helpers/runtime-fixture.js';

// CommonJS modules that Node cannot see named exports in.
const { Empty } = emptyPb;
const { Timestamp } = timestampPb;
const { StringValue } = wrappersPb;

const etcd = await useEtcd(test);

/** The proto's OrchestrationStatus numbers, as the official clients report them. */
const PROTO_STATUS = { RUNNING: 0, COMPLETED: 1, FAILED: 3, TERMINATED: 5, PENDING: 6, SUSPENDED: 7 };

// eslint-disable-next-line require-yield -- completes in its first step
async function* greet(ctx: WorkflowContext, name: string) {
  ctx.setCustomStatus({ greeted: name });
  return `Hello, ${name}`;
}

// eslint-disable-next-line require-yield -- fails in its first step
async function* failing(_ctx: WorkflowContext) {
  throw new WorkflowFailure('no such order');
}

/** Waits for event `go`, with an hour-long timer that only a terminate cuts short. */
async function* waiter(ctx: WorkflowContext) {
  const timer = ctx.createTimer('1h');
  const event = ctx.waitForExternalEvent<string>('go');
  const winner = yield* ctx.whenAny([event, timer]);
  return winner === event ? event.result : 'timer';
}

async function* parent(ctx: WorkflowContext) {
  return yield* ctx.callChildWorkflow(waiter, undefined, {
    instanceId: `${ctx.getWorkflowInstanceId()}-child`,
  });
}

type Stub = InstanceType<typeof grpcPb.TaskHubSidecarServiceClient>;

interface Served extends RuntimeFixture {
  address: string;
  /** The official durabletask-js client. */
  hub: TaskHubGrpcClient;
  /** The generated stub the official client is built on, for what the client does not offer. */
  stub: Stub;
  /** Lines the service logged. */
  logged: string[];
}

/** Serves `client` on a loopback port; the server goes when the test ends. */
async function serve(
  t: ExecutionContext,
  client: TaskHubClient,
  logged: string[],
  registeredWorkflows?: () => readonly string[],
): Promise<string> {
  const server = new Server();
  const { definition, implementation } = createTaskHubService({
    client,
    log: (line) => logged.push(line),
    ...(registeredWorkflows && { registeredWorkflows }),
  });
  server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  t.teardown(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

/** A runtime with the test workflows, the service on it, and clients of the service. */
async function start(t: ExecutionContext): Promise<Served> {
  const fixture = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(greet).registerWorkflow(failing).registerWorkflow(waiter).registerWorkflow(parent),
  );
  const logged: string[] = [];
  const address = await serve(t, fixture.client, logged, () => fixture.runtime.registeredWorkflows);
  const hub = new TaskHubGrpcClient(address);
  const stub = new grpcPb.TaskHubSidecarServiceClient(address, credentials.createInsecure());
  t.teardown(() => stub.close());
  return { ...fixture, address, hub, stub, logged };
}

/** One unary call of the generated stub, as a promise. */
function call<Request, Response>(
  stub: Stub,
  method: (
    this: Stub,
    request: Request,
    metadata: Metadata,
    options: { deadline?: Date },
    callback: (error: ServiceError | null, response: Response) => void,
  ) => unknown,
  request: Request,
  deadline?: Date,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    method.call(stub, request, new Metadata(), deadline ? { deadline } : {}, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** A call with a message as a plain object, through the service's own definition. */
function rawCall(address: string, method: string, request: object): Promise<unknown> {
  const definition = loadOrchestratorProtos().service(TASK_HUB_SERVICE)[method];
  if (!definition) throw new Error(`no method ${method}`);
  const client = new Client(address, credentials.createInsecure());
  return new Promise<unknown>((resolve, reject) => {
    client.makeUnaryRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      request,
      (error, response) => {
        client.close();
        if (error) reject(error);
        else resolve(response);
      },
    );
  });
}

function getRequest(instanceId: string, withPayloads: boolean): pb.GetInstanceRequest {
  const request = new pb.GetInstanceRequest();
  request.setInstanceid(instanceId);
  request.setGetinputsandoutputs(withPayloads);
  return request;
}

test('start, get with and without payloads, wait for completion; a failure comes without its stack', async (t) => {
  const { hub, stub } = await start(t);
  await call(stub, stub.hello, new Empty());

  const id = await hub.scheduleNewOrchestration('greet', 'world', 'greet-1');
  t.is(id, 'greet-1');
  const done = await hub.waitForOrchestrationCompletion(id, true, 10);
  t.is(done?.runtimeStatus, PROTO_STATUS.COMPLETED);
  t.is(done?.name, 'greet');
  t.is(done?.serializedInput, '"world"');
  t.is(done?.serializedOutput, '"Hello, world"');
  t.is(done?.serializedCustomStatus, '{"greeted":"world"}');
  t.true((done?.lastUpdatedAt.getTime() ?? 0) >= (done?.createdAt.getTime() ?? Infinity));
  t.true(Math.abs((done?.createdAt.getTime() ?? 0) - Date.now()) < 60_000);

  const bare = await hub.getOrchestrationState(id, false);
  t.is(bare?.runtimeStatus, PROTO_STATUS.COMPLETED);
  t.is(bare?.serializedInput, undefined);
  t.is(bare?.serializedOutput, undefined);
  t.is(bare?.serializedCustomStatus, undefined);

  // A generated id when none is given.
  const generated = await hub.scheduleNewOrchestration('failing');
  t.regex(generated, /^[0-9a-f-]{36}$/);
  const failed = await hub.waitForOrchestrationCompletion(generated, true, 10);
  t.is(failed?.runtimeStatus, PROTO_STATUS.FAILED);
  t.is(failed?.failureDetails?.errorType, 'WorkflowFailure');
  t.is(failed?.failureDetails?.message, 'no such order');
  t.is(failed?.failureDetails?.stackTrace, undefined);
  t.is(failed?.serializedOutput, undefined);
});

test('not found, already exists and bad input come back with their gRPC status', async (t) => {
  const { hub, stub, logged } = await start(t);
  t.is(await hub.getOrchestrationState('nobody'), undefined);
  const notFound = { code: status.NOT_FOUND, message: /"nobody" not found/ } as const;
  await t.throwsAsync(hub.waitForOrchestrationStart('nobody', false, 5), notFound);
  await t.throwsAsync(hub.waitForOrchestrationCompletion('nobody', false, 5), notFound);
  const raised = await t.throwsAsync<ServiceError>(hub.raiseOrchestrationEvent('nobody', 'go', 1), notFound);
  // The HTTP API's error code rides along, as for every gRPC error of tickflow.
  t.deepEqual(raised?.metadata.get('error-code'), ['ERR_INSTANCE_ID_NOT_FOUND']);
  await t.throwsAsync(hub.terminateOrchestration('nobody'), notFound);
  await t.throwsAsync(hub.suspendOrchestration('nobody'), notFound);
  await t.throwsAsync(hub.resumeOrchestration('nobody'), notFound);
  // Purging what is not there purges nothing, as the SDKs expect (they report false).
  t.is((await hub.purgeOrchestration('nobody'))?.deletedInstanceCount, 0);

  const id = await hub.scheduleNewOrchestration('waiter', undefined, 'taken');
  await t.throwsAsync(hub.scheduleNewOrchestration('waiter', undefined, id), {
    code: status.ALREADY_EXISTS,
    message: /"taken" already exists/,
  });
  await t.throwsAsync(hub.scheduleNewOrchestration('waiter', undefined, 'bad/id'), {
    code: status.INVALID_ARGUMENT,
    message: /invalid instanceId: "bad\/id"; allowed: /,
  });
  const badInput = new pb.CreateInstanceRequest();
  badInput.setName('greet');
  const text = new StringValue();
  text.setValue('{not json');
  badInput.setInput(text);
  await t.throwsAsync(call(stub, stub.startInstance, badInput), {
    code: status.INVALID_ARGUMENT,
    message: /invalid input: "\{not json"; allowed: JSON text/,
  });
  await t.throwsAsync(hub.scheduleNewOrchestration('nameless'), {
    code: status.INVALID_ARGUMENT,
    message: /no workflow named "nameless" is registered on this server; registered: "greet", /,
  });
  // Over maxPayloadBytes (256 KiB): refused before anything is stored.
  await t.throwsAsync(hub.scheduleNewOrchestration('greet', 'x'.repeat(300_000), 'too-big'), {
    code: status.RESOURCE_EXHAUSTED,
    message: /input/,
  });
  t.is(await hub.getOrchestrationState('too-big'), undefined);
  const noName = new pb.CreateInstanceRequest();
  await t.throwsAsync(call(stub, stub.startInstance, noName), { code: status.INVALID_ARGUMENT });
  // Caller mistakes are not the server's failures: nothing logged.
  t.deepEqual(logged, []);
});

test('a start time in the future: PENDING with its scheduled start, then runs (DaprWorkflowClient)', async (t) => {
  const { stub, address } = await start(t);
  const [host = '', port = ''] = address.split(':');
  const dapr = new DaprWorkflowClient({ daprHost: host, daprPort: port });
  t.teardown(() => dapr.stop());
  const startAt = new Date(Date.now() + 1500);
  const id = await dapr.scheduleNewWorkflow('waiter', undefined, 'later', startAt);

  const pending = await call(stub, stub.getInstance, getRequest(id, true));
  t.true(pending.getExists());
  const state = pending.getOrchestrationstate();
  t.is(state?.getOrchestrationstatus(), PROTO_STATUS.PENDING);
  t.is(state?.getScheduledstarttimestamp()?.toDate().getTime(), startAt.getTime());

  const started = await dapr.waitForWorkflowStart(id, false, 10);
  t.true(Date.now() >= startAt.getTime());
  t.is(started?.runtimeStatus, DaprStatus.RUNNING);
  await dapr.raiseEvent(id, 'go', 'went');
  const done = await dapr.waitForWorkflowCompletion(id, true, 10);
  t.is(done?.serializedOutput, '"went"');
  t.true(await dapr.purgeWorkflow(id));
  t.is(await dapr.getWorkflowState(id, false), undefined);
  t.false(await dapr.purgeWorkflow(id));
});

test('suspend holds a raised event until resume', async (t) => {
  const { hub, runtime } = await start(t);
  const id = await hub.scheduleNewOrchestration('waiter');
  await hub.waitForOrchestrationStart(id, false, 10);
  const suspendedStep = nextEvent(runtime, 'step', { filter: (e) => e.instanceId === id });
  await hub.suspendOrchestration(id);
  t.is((await suspendedStep)[0].status, WorkflowRuntimeStatus.SUSPENDED);
  t.is((await hub.getOrchestrationState(id))?.runtimeStatus, PROTO_STATUS.SUSPENDED);

  const eventStep = nextEvent(runtime, 'step', { filter: (e) => e.instanceId === id });
  await hub.raiseOrchestrationEvent(id, 'go', 'after resume');
  t.is(
    (await eventStep)[0].status,
    WorkflowRuntimeStatus.SUSPENDED,
    'the event was taken in while suspended',
  );
  await hub.resumeOrchestration(id);
  const done = await hub.waitForOrchestrationCompletion(id, true, 10);
  t.is(done?.runtimeStatus, PROTO_STATUS.COMPLETED);
  t.is(done?.serializedOutput, '"after resume"');
});

test('terminate: the output is kept; recursive ends the child too, otherwise only the parent', async (t) => {
  const { hub, address, client, runtime } = await start(t);
  const childStep = (id: string) =>
    nextEvent(runtime, 'step', { filter: (e) => e.instanceId === `${id}-child` });
  const childrenRunning = Promise.all([childStep('alone'), childStep('together')]);
  const alone = await hub.scheduleNewOrchestration('parent', undefined, 'alone');
  const together = await hub.scheduleNewOrchestration('parent', undefined, 'together');
  await childrenRunning;

  // The official client sends recursive = false.
  await hub.terminateOrchestration(alone, { reason: 'operator' });
  const ended = await hub.waitForOrchestrationCompletion(alone, true, 10);
  t.is(ended?.runtimeStatus, PROTO_STATUS.TERMINATED);
  t.is(ended?.serializedOutput, '{"reason":"operator"}');
  t.is((await client.getWorkflowState(`${alone}-child`))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);

  // Neither official client can send recursive = true (their generated messages predate it).
  await rawCall(address, 'TerminateInstance', { instanceId: together, recursive: true });
  const child = await hub.waitForOrchestrationCompletion(`${together}-child`, true, 10);
  t.is(child?.runtimeStatus, PROTO_STATUS.TERMINATED);
  t.is(
    (await hub.waitForOrchestrationCompletion(together, false, 10))?.runtimeStatus,
    PROTO_STATUS.TERMINATED,
  );
});

test('purge: an unfinished instance is FAILED_PRECONDITION; by filter, the finished ones it names', async (t) => {
  const { hub, stub, client } = await start(t);
  const running = await hub.scheduleNewOrchestration('waiter', undefined, 'running');
  await hub.waitForOrchestrationStart(running, false, 10);
  await t.throwsAsync(hub.purgeOrchestration(running), {
    code: status.FAILED_PRECONDITION,
    message: /is RUNNING; terminate it before purging/,
  });

  const greeted = await hub.scheduleNewOrchestration('greet', 'a', 'greeted');
  const failed = await hub.scheduleNewOrchestration('failing', undefined, 'failed');
  await hub.waitForOrchestrationCompletion(greeted, false, 10);
  await hub.waitForOrchestrationCompletion(failed, false, 10);

  const byFilter = new pb.PurgeInstancesRequest();
  const filter = new pb.PurgeInstanceFilter();
  filter.addRuntimestatus(pb.OrchestrationStatus.ORCHESTRATION_STATUS_COMPLETED);
  // RUNNING is named too, but an unfinished instance is never purged by filter.
  filter.addRuntimestatus(pb.OrchestrationStatus.ORCHESTRATION_STATUS_RUNNING);
  byFilter.setPurgeinstancefilter(filter);
  const response = await call(stub, stub.purgeInstances, byFilter);
  t.is(response.getDeletedinstancecount(), 1);
  t.is(await client.getWorkflowState(greeted), undefined);
  t.is((await client.getWorkflowState(failed))?.runtimeStatus, WorkflowRuntimeStatus.FAILED);
  t.is((await client.getWorkflowState(running))?.runtimeStatus, WorkflowRuntimeStatus.RUNNING);
});

test('query: status filter, pages with a continuation token, payloads on request, unsupported filters refused', async (t) => {
  const { hub, stub } = await start(t);
  const ids = ['q-1', 'q-2', 'q-3'];
  for (const id of ids) await hub.scheduleNewOrchestration('greet', id, id);
  for (const id of ids) await hub.waitForOrchestrationCompletion(id, false, 10);
  const waiting = await hub.scheduleNewOrchestration('waiter', undefined, 'q-0');
  await hub.waitForOrchestrationStart(waiting, false, 10);

  const query = (configure: (q: pb.InstanceQuery) => void): pb.QueryInstancesRequest => {
    const request = new pb.QueryInstancesRequest();
    const q = new pb.InstanceQuery();
    configure(q);
    request.setQuery(q);
    return request;
  };
  const completed = (q: pb.InstanceQuery): void => {
    q.addRuntimestatus(pb.OrchestrationStatus.ORCHESTRATION_STATUS_COMPLETED);
  };

  const first = await call(
    stub,
    stub.queryInstances,
    query((q) => (completed(q), q.setMaxinstancecount(2))),
  );
  t.deepEqual(
    first.getOrchestrationstateList().map((s) => s.getInstanceid()),
    ['q-1', 'q-2'],
  );
  t.is(first.getOrchestrationstateList()[0]?.getInput(), undefined, 'no payloads unless asked for');
  const token = first.getContinuationtoken()?.getValue();
  t.truthy(token);
  const second = await call(
    stub,
    stub.queryInstances,
    query((q) => {
      completed(q);
      q.setMaxinstancecount(2);
      const next = new StringValue();
      next.setValue(token ?? '');
      q.setContinuationtoken(next);
      q.setFetchinputsandoutputs(true);
    }),
  );
  const last = second.getOrchestrationstateList();
  t.deepEqual(
    last.map((s) => s.getInstanceid()),
    ['q-3'],
  );
  t.is(last[0]?.getInput()?.getValue(), '"q-3"');
  t.is(last[0]?.getOutput()?.getValue(), '"Hello, q-3"');
  t.is(last[0]?.getOrchestrationstatus(), PROTO_STATUS.COMPLETED);
  t.is(second.getContinuationtoken(), undefined);

  const all = await call(stub, stub.queryInstances, new pb.QueryInstancesRequest());
  t.deepEqual(
    all.getOrchestrationstateList().map((s) => [s.getInstanceid(), s.getOrchestrationstatus()]),
    [
      ['q-0', PROTO_STATUS.RUNNING],
      ['q-1', PROTO_STATUS.COMPLETED],
      ['q-2', PROTO_STATUS.COMPLETED],
      ['q-3', PROTO_STATUS.COMPLETED],
    ],
  );
  // Created from an hour ahead: nothing yet.
  const future = await call(
    stub,
    stub.queryInstances,
    query((q) => q.setCreatedtimefrom(Timestamp.fromDate(new Date(Date.now() + 3_600_000)))),
  );
  t.deepEqual(future.getOrchestrationstateList(), []);

  await t.throwsAsync(
    call(
      stub,
      stub.queryInstances,
      query((q) => {
        const prefix = new StringValue();
        prefix.setValue('q-');
        q.setInstanceidprefix(prefix);
      }),
    ),
    { code: status.INVALID_ARGUMENT, message: /invalid query\.instanceIdPrefix: "q-"/ },
  );
  await t.throwsAsync(
    call(
      stub,
      stub.queryInstances,
      query((q) => q.setMaxinstancecount(20_000)),
    ),
    { code: status.INVALID_ARGUMENT, message: /invalid pageSize: 20000/ },
  );
});

test("a wait ends at the call's deadline with DEADLINE_EXCEEDED; unserved methods are UNIMPLEMENTED", async (t) => {
  const { hub, stub } = await start(t);
  const id = await hub.scheduleNewOrchestration('waiter');
  await hub.waitForOrchestrationStart(id, false, 10);
  const before = Date.now();
  await t.throwsAsync(
    call(stub, stub.waitForInstanceCompletion, getRequest(id, false), new Date(Date.now() + 300)),
    {
      code: status.DEADLINE_EXCEEDED,
    },
  );
  t.true(Date.now() - before >= 250);

  await t.throwsAsync(call(stub, stub.rewindInstance, new pb.RewindInstanceRequest()), {
    code: status.UNIMPLEMENTED,
    message: /tickflow does not serve \/TaskHubSidecarService\/RewindInstance/,
  });
  await t.throwsAsync(call(stub, stub.completeActivityTask, new pb.ActivityResponse()), {
    code: status.UNIMPLEMENTED,
    message:
      /CompleteActivityTask is not served here: this server runs only workflows registered in its own process/,
  });
  const stream = stub.getWorkItems(new pb.GetWorkItemsRequest());
  const error = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
  t.is(error.code, status.UNIMPLEMENTED);
  // This service was made without a worker hub (a runtime without remoteWorkers).
  t.regex(error.details, /GetWorkItems is not served here/);
});

test('an unexpected failure is INTERNAL with its message; the stack goes to the log only', async (t) => {
  const broken = new Error('disk on fire');
  const client = {
    getWorkflowState: () => Promise.reject(broken),
  } as unknown as TaskHubClient;
  const logged: string[] = [];
  const address = await serve(t, client, logged);
  const stub = new grpcPb.TaskHubSidecarServiceClient(address, credentials.createInsecure());
  t.teardown(() => stub.close());
  const error = await t.throwsAsync(call(stub, stub.getInstance, getRequest('x', false)), {
    code: status.INTERNAL,
  });
  t.is((error as ServiceError | undefined)?.details, 'disk on fire');
  t.false(JSON.stringify(error).includes('task-hub-service'), 'no stack trace in the answer');
  t.is(logged.length, 1);
  t.regex(logged[0] ?? '', /GetInstance failed: Error: disk on fire\n\s+at /);
});
