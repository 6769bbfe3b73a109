import {
  status,
  type handleUnaryCall,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { WorkflowState } from '../runtime/instances/workflow-state-view.js';
import { WorkflowWaitTimeoutError } from '../runtime/workflow-errors.js';
import type { WorkflowClient } from '../workflow-client.js';
import { ApiError, ErrorCode } from '../server/api-error.js';
import { toGrpcError, type GrpcError } from './grpc-errors.js';
import { loadOrchestratorProtos, TASK_HUB_SERVICE } from './protos.js';
import { withUnimplemented } from './unimplemented.js';
import { createWorkItemService } from './work-item-service.js';
import type { WorkerHub } from '../runtime/remote/worker-hub.js';
import type {
  CreateInstanceRequest,
  CreateInstanceResponse,
  EmptyMessage,
  GetInstanceRequest,
  GetInstanceResponse,
  PurgeInstanceFilter,
  PurgeInstancesRequest,
  PurgeInstancesResponse,
  QueryInstancesRequest,
  QueryInstancesResponse,
  RaiseEventRequest,
  SuspendOrResumeRequest,
  TerminateRequest,
} from './task-hub-messages.js';
import { toListQuery, toPurgeQuery } from './task-hub-query.js';
import { toOrchestrationState } from './task-hub-state.js';
import { waitWithinDeadline, type CallLifetime } from './task-hub-wait.js';
import { fromTimestamp, optionalString, parsePayload } from './task-hub-wire.js';

/** What the service needs of a `WorkflowClient`: instance management, nothing else. */
export type TaskHubClient = Pick<
  WorkflowClient,
  | 'scheduleNewWorkflow'
  | 'getWorkflowState'
  | 'waitForWorkflowStart'
  | 'waitForWorkflowCompletion'
  | 'raiseEvent'
  | 'terminateWorkflow'
  | 'suspendWorkflow'
  | 'resumeWorkflow'
  | 'purgeWorkflow'
  | 'listWorkflows'
>;

/** Options of `createTaskHubService`. */
export interface TaskHubServiceOptions {
  /** The client the calls are served with (the server's own `WorkflowClient`). */
  client: TaskHubClient;
  /**
   * The workflow names this server runs (`WorkflowRuntime.registeredWorkflows`). When given and
   * not empty, starting another name is refused (INVALID_ARGUMENT, `ERR_WORKFLOW_NOT_REGISTERED`,
   * listing them) as over HTTP: no one here would run it. Without it any name is accepted.
   */
  registeredWorkflows?: () => readonly string[];
  /**
   * The runtime's remote worker hub: with it the work-item stream is served (remote workers run
   * the workflows and activities not registered in-process), and a start of any name is taken,
   * as a worker may run it (it waits, visibly, until one does). Without it the work-item methods
   * answer UNIMPLEMENTED.
   */
  workers?: WorkerHub;
  /**
   * Where failures the caller cannot fix (INTERNAL, UNAVAILABLE) are logged, with their stack
   * traces, which the caller never gets. Default: standard error.
   */
  log?: (line: string) => void;
}

/** A gRPC service ready for grpc-js `Server.addService(definition, implementation)`. */
export interface TaskHubService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** Every message of the proto, for server reflection. */
  packageDefinition: PackageDefinition;
  /** Ends the open work-item streams (call before stopping the server). */
  close(): void;
}

/** Instances per listing page when purging by filter: large, as only ids are read. */
const PURGE_PAGE_SIZE = 1000;
/** Instance reads in flight at once when a query asks for payloads. */
const PAYLOAD_READS = 32;

/**
 * The work-item stream and its answers, which remote workers need, when the runtime serves no
 * remote workers: they say why rather than only that they are not served. Every other method not served below answers
 * UNIMPLEMENTED naming itself (`withUnimplemented`).
 */
const NOT_YET =
  'is not served here: this server runs only workflows registered in its own process ' +
  '(remote workers are served when the runtime has remoteWorkers on, as `tickflow serve` does)';

/**
 * The instance-management half of the Durable Task sidecar protocol (`TaskHubSidecarService`,
 * from the proto `@dapr/durabletask-js` ships), served with `client`, with Dapr's semantics:
 * Hello, StartInstance, GetInstance, WaitForInstanceStart, WaitForInstanceCompletion,
 * RaiseEvent, TerminateInstance, SuspendInstance, ResumeInstance, PurgeInstances and
 * QueryInstances; with `workers`, the work-item stream (GetWorkItems, CompleteOrchestratorTask,
 * CompleteActivityTask) too. Every other method answers UNIMPLEMENTED naming itself. Errors map as over HTTP (`toGrpcError`), and a wait that reaches the call's
 * deadline is DEADLINE_EXCEEDED.
 */
export function createTaskHubService(options: TaskHubServiceOptions): TaskHubService {
  const { client } = options;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));

  const unary = <Request, Response>(
    method: string,
    serve: (request: Request, call: CallLifetime) => Promise<Response>,
  ): handleUnaryCall<Request, Response> => {
    return (call, callback) => {
      serve(call.request, call).then(
        (response) => callback(null, response),
        (error: unknown) => {
          // HTTP has no wait with a deadline; over gRPC it is the caller's deadline that ran out.
          const failure: GrpcError =
            error instanceof WorkflowWaitTimeoutError
              ? { code: status.DEADLINE_EXCEEDED, details: error.message }
              : toGrpcError(error);
          if (failure.code === status.INTERNAL || failure.code === status.UNAVAILABLE) {
            const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
            log(`gRPC ${TASK_HUB_SERVICE}/${method} failed: ${detail}`);
          }
          callback(failure);
        },
      );
    };
  };

  const served: UntypedServiceImplementation = {
    Hello: unary<EmptyMessage, EmptyMessage>('Hello', () => Promise.resolve({})),

    StartInstance: unary<CreateInstanceRequest, CreateInstanceResponse>('StartInstance', async (request) => {
      // Versions are not a tickflow concept (nor a Dapr one, which ignores them): the name decides.
      const name = request.name ?? '';
      if (!options.workers) checkRegistered(name, options.registeredWorkflows?.() ?? []);
      const input = parsePayload('input', request.input);
      const startAt = fromTimestamp(request.scheduledStartTimestamp);
      // An empty id asks for a generated one, as in Dapr.
      const instanceId = await client.scheduleNewWorkflow(
        name,
        input,
        request.instanceId || undefined,
        startAt,
      );
      return { instanceId };
    }),

    GetInstance: unary<GetInstanceRequest, GetInstanceResponse>('GetInstance', async (request) => {
      // An unknown instance is an answer here, not an error: the SDKs return undefined for it.
      const { instanceId = '', getInputsAndOutputs = false } = request;
      const state = await client.getWorkflowState(instanceId, getInputsAndOutputs);
      return instanceResponse(state, getInputsAndOutputs);
    }),

    WaitForInstanceStart: unary<GetInstanceRequest, GetInstanceResponse>(
      'WaitForInstanceStart',
      async (request, call) => {
        const { instanceId = '', getInputsAndOutputs = false } = request;
        const state = await waitWithinDeadline(call, instanceId, 'start', (seconds) =>
          client.waitForWorkflowStart(instanceId, getInputsAndOutputs, seconds),
        );
        return instanceResponse(state, getInputsAndOutputs);
      },
    ),

    WaitForInstanceCompletion: unary<GetInstanceRequest, GetInstanceResponse>(
      'WaitForInstanceCompletion',
      async (request, call) => {
        const { instanceId = '', getInputsAndOutputs = false } = request;
        const state = await waitWithinDeadline(call, instanceId, 'complete', (seconds) =>
          client.waitForWorkflowCompletion(instanceId, getInputsAndOutputs, seconds),
        );
        return instanceResponse(state, getInputsAndOutputs);
      },
    ),

    RaiseEvent: unary<RaiseEventRequest, EmptyMessage>('RaiseEvent', async (request) => {
      const data = parsePayload('input', request.input);
      await client.raiseEvent(request.instanceId ?? '', request.name ?? '', data);
      return {};
    }),

    TerminateInstance: unary<TerminateRequest, EmptyMessage>('TerminateInstance', async (request) => {
      const output = parsePayload('output', request.output);
      await client.terminateWorkflow(request.instanceId ?? '', output, {
        recursive: request.recursive === true,
      });
      return {};
    }),

    SuspendInstance: unary<SuspendOrResumeRequest, EmptyMessage>('SuspendInstance', async (request) => {
      await client.suspendWorkflow(request.instanceId ?? '', optionalString(request.reason));
      return {};
    }),

    ResumeInstance: unary<SuspendOrResumeRequest, EmptyMessage>('ResumeInstance', async (request) => {
      await client.resumeWorkflow(request.instanceId ?? '', optionalString(request.reason));
      return {};
    }),

    PurgeInstances: unary<PurgeInstancesRequest, PurgeInstancesResponse>(
      'PurgeInstances',
      async (request, call) => {
        if (request.request === 'purgeInstanceFilter' && request.purgeInstanceFilter) {
          return { deletedInstanceCount: await purgeByFilter(client, request.purgeInstanceFilter, call) };
        }
        // Recursive, as Dapr purges: this proto has no flag for it. An unknown instance purges
        // nothing (count 0, as the SDKs expect); an unfinished one is FAILED_PRECONDITION.
        const purged = await client.purgeWorkflow(request.instanceId ?? '', { recursive: true });
        return { deletedInstanceCount: purged ? 1 : 0 };
      },
    ),

    QueryInstances: unary<QueryInstancesRequest, QueryInstancesResponse>(
      'QueryInstances',
      async (request) => {
        const page = await client.listWorkflows(toListQuery(request.query));
        const withPayloads = request.query?.fetchInputsAndOutputs === true;
        const states = withPayloads ? await withInputsAndOutputs(client, page.instances) : page.instances;
        return {
          orchestrationState: states.map((state) => toOrchestrationState(state, withPayloads)),
          ...(page.continuationToken !== undefined && {
            continuationToken: { value: page.continuationToken },
          }),
        };
      },
    ),
  };

  const protos = loadOrchestratorProtos();
  const definition = protos.service(TASK_HUB_SERVICE);
  const workItems = options.workers ? createWorkItemService(options.workers) : undefined;
  if (workItems) Object.assign(served, workItems.implementation);
  else {
    for (const name of ['GetWorkItems', 'CompleteActivityTask', 'CompleteOrchestratorTask']) {
      const method = definition[name];
      if (method) served[name] = notYet(name, method);
    }
  }
  return {
    definition,
    implementation: withUnimplemented(definition, served),
    packageDefinition: protos.packageDefinition,
    close: () => workItems?.close(),
  };
}

/** Refuses a name that none of `registered` is, as the HTTP API's start route does. */
function checkRegistered(name: string, registered: readonly string[]): void {
  // An empty name is left to the client's own validation, which names the field.
  if (registered.length === 0 || name === '' || registered.includes(name)) return;
  throw new ApiError(
    400,
    ErrorCode.workflowNotRegistered,
    `no workflow named ${JSON.stringify(name)} is registered on this server; ` +
      `registered: ${registered.map((n) => JSON.stringify(n)).join(', ')}`,
    { field: 'name', allowed: registered.join(', ') },
  );
}

function instanceResponse(state: WorkflowState | undefined, withPayloads: boolean): GetInstanceResponse {
  return state
    ? { exists: true, orchestrationState: toOrchestrationState(state, withPayloads) }
    : { exists: false };
}

/**
 * Purges the finished instances `filter` names, page by page, and counts them. Stops early when
 * the caller has gone (what is purged by then stays purged).
 */
async function purgeByFilter(
  client: TaskHubClient,
  filter: PurgeInstanceFilter,
  call: Pick<CallLifetime, 'cancelled'>,
): Promise<number> {
  const query = toPurgeQuery(filter);
  let deleted = 0;
  let continuationToken: string | undefined;
  do {
    const page = await client.listWorkflows({
      ...query,
      pageSize: PURGE_PAGE_SIZE,
      ...(continuationToken !== undefined && { continuationToken }),
    });
    for (const { instanceId } of page.instances) {
      if (call.cancelled) return deleted;
      // Recursive: a child listed later is then gone already and not counted twice.
      if (await client.purgeWorkflow(instanceId, { recursive: true })) deleted++;
    }
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  return deleted;
}

/** The listed instances read again with their payloads (the listing has none); purged ones drop out. */
async function withInputsAndOutputs(
  client: TaskHubClient,
  listed: readonly WorkflowState[],
): Promise<WorkflowState[]> {
  const states: WorkflowState[] = [];
  for (let i = 0; i < listed.length; i += PAYLOAD_READS) {
    const batch = listed.slice(i, i + PAYLOAD_READS);
    const read = await Promise.all(batch.map((state) => client.getWorkflowState(state.instanceId, true)));
    for (const state of read) if (state) states.push(state);
  }
  return states;
}

/** A handler answering UNIMPLEMENTED with NOT_YET, shaped for the method's kind of call. */
function notYet(name: string, method: { responseStream: boolean }): UntypedHandleCall {
  const failure: GrpcError = {
    code: status.UNIMPLEMENTED,
    details: `${TASK_HUB_SERVICE}/${name} ${NOT_YET}`,
  };
  if (method.responseStream) {
    return (call: { emit(event: 'error', failure: GrpcError): boolean }) => {
      call.emit('error', failure);
    };
  }
  return (_call: unknown, callback: (failure: GrpcError) => void) => callback(failure);
}
