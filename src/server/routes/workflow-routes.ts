import type { FastifyInstance } from 'fastify';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import { ApiError, ErrorCode } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { toDaprWorkflow, toListItem, withoutStackTraces } from '../workflow-view.js';
import { startTimeFromQuery } from '../start-time.js';

/** Every version of Dapr's workflow API the SDKs use (the JS SDK calls v1.0-beta1). */
const PREFIXES = [
  '/v1.0-alpha1/workflows/dapr',
  '/v1.0-beta1/workflows/dapr',
  '/v1.0/workflows/dapr',
] as const;

/**
 * One parameter name for the segment after the prefix: find-my-way needs the same name at the
 * same position, and it is a workflow name for `start` and an instance id everywhere else.
 */
interface IdParams {
  id: string;
}

const STATUSES = Object.values(WorkflowRuntimeStatus);

interface ForceQuery {
  force?: 'true' | 'false';
}

const FORCE_QUERY = {
  type: 'object',
  properties: { force: { type: 'string', enum: ['true', 'false'] } },
} as const;

interface ListQuery {
  status?: string;
  name?: string;
  stalled?: 'true' | 'false';
  pageSize?: string;
  continuationToken?: string;
}

/** Dapr's workflow routes, plus `GET {prefix}` (list) and `GET {prefix}/{id}/history` (tickflow extensions). */
export function registerWorkflowRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { client } = deps;
  for (const prefix of PREFIXES) {
    app.post<{ Params: IdParams; Querystring: { instanceID?: string; startTime?: string }; Body: unknown }>(
      `${prefix}/:id/start`,
      {
        schema: {
          querystring: {
            type: 'object',
            properties: { instanceID: { type: 'string' }, startTime: { type: 'string' } },
          },
        },
        config: { errorCode: 'ERR_START_WORKFLOW' },
      },
      async (request, reply) => {
        // A server that hosts workflows and takes no remote workers knows every name it can run:
        // an unknown one would wait forever, so it is refused now, with the names there are. With
        // remote workers a worker may run any name; an instance nobody runs waits, visibly.
        const registered = deps.runtime.registeredWorkflows;
        const closed = registered.length > 0 && deps.runtime.workerHub === undefined;
        if (closed && !registered.includes(request.params.id)) {
          throw new ApiError(
            400,
            ErrorCode.workflowNotRegistered,
            `no workflow named ${JSON.stringify(request.params.id)} is registered on this server; ` +
              `registered: ${registered.map((name) => JSON.stringify(name)).join(', ')}`,
            { field: 'name', allowed: registered.join(', ') },
          );
        }
        // Dapr generates an id when none (or an empty one) is given.
        const requested = request.query.instanceID || undefined;
        const startAt = startTimeFromQuery(request.query.startTime);
        const instanceID = await client.scheduleNewWorkflow(
          request.params.id,
          request.body,
          requested,
          startAt,
        );
        return reply.code(202).send({ instanceID });
      },
    );

    app.get<{ Params: IdParams }>(
      `${prefix}/:id`,
      { config: { errorCode: 'ERR_GET_WORKFLOW' } },
      async (request) => {
        const state = await client.getWorkflowState(request.params.id, true);
        if (!state) throw notFound(request.params.id);
        return toDaprWorkflow(state);
      },
    );

    app.post<{ Params: IdParams & { eventName: string }; Body: unknown }>(
      `${prefix}/:id/raiseEvent/:eventName`,
      { config: { errorCode: 'ERR_RAISE_EVENT_WORKFLOW' } },
      async (request, reply) => {
        await client.raiseEvent(request.params.id, request.params.eventName, request.body);
        return reply.code(202).send();
      },
    );

    app.post<{ Params: IdParams; Querystring: ForceQuery }>(
      `${prefix}/:id/terminate`,
      { schema: { querystring: FORCE_QUERY }, config: { errorCode: 'ERR_TERMINATE_WORKFLOW' } },
      async (request, reply) => {
        // Recursive, as in Dapr: running child workflows are terminated too. `force=true` ends an
        // instance whose steps keep failing without waiting for one (tickflow extension).
        await client.terminateWorkflow(request.params.id, undefined, {
          recursive: true,
          force: request.query.force === 'true',
        });
        return reply.code(202).send();
      },
    );

    for (const [action, code] of [
      ['pause', 'ERR_PAUSE_WORKFLOW'],
      ['resume', 'ERR_RESUME_WORKFLOW'],
    ] as const) {
      app.post<{ Params: IdParams; Querystring: { reason?: string } }>(
        `${prefix}/:id/${action}`,
        {
          schema: { querystring: { type: 'object', properties: { reason: { type: 'string' } } } },
          config: { errorCode: code },
        },
        async (request, reply) => {
          const { id } = request.params;
          const reason = request.query.reason;
          if (action === 'pause') await client.suspendWorkflow(id, reason);
          else await client.resumeWorkflow(id, reason);
          return reply.code(202).send();
        },
      );
    }

    app.post<{ Params: IdParams; Querystring: ForceQuery }>(
      `${prefix}/:id/purge`,
      { schema: { querystring: FORCE_QUERY }, config: { errorCode: 'ERR_PURGE_WORKFLOW' } },
      async (request, reply) => {
        // `force=true` (as Dapr's purge has it) purges an unfinished instance too, terminating it first.
        const force = request.query.force === 'true';
        if (!(await client.purgeWorkflow(request.params.id, { recursive: true, force }))) {
          throw notFound(request.params.id);
        }
        return reply.code(202).send();
      },
    );

    app.get<{ Params: IdParams }>(
      `${prefix}/:id/history`,
      { config: { errorCode: 'ERR_GET_WORKFLOW' } },
      async (request) => ({
        instanceID: request.params.id,
        events: withoutStackTraces(await client.getWorkflowHistory(request.params.id)),
      }),
    );

    app.get<{ Querystring: ListQuery }>(
      prefix,
      {
        schema: {
          querystring: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              name: { type: 'string' },
              stalled: { type: 'string', enum: ['true', 'false'] },
              pageSize: { type: 'string', pattern: '^[0-9]{1,6}$' },
              continuationToken: { type: 'string' },
            },
          },
        },
        config: { errorCode: 'ERR_LIST_WORKFLOWS' },
      },
      async (request) => {
        const q = request.query;
        const page = await client.listWorkflows({
          ...(q.status !== undefined && { status: parseStatuses(q.status) }),
          ...(q.name !== undefined && { namePrefix: q.name }),
          ...(q.stalled !== undefined && { stalled: q.stalled === 'true' }),
          ...(q.pageSize !== undefined && { pageSize: Number(q.pageSize) }),
          ...(q.continuationToken !== undefined && { continuationToken: q.continuationToken }),
        });
        return {
          instances: page.instances.map(toListItem),
          ...(page.continuationToken !== undefined && { continuationToken: page.continuationToken }),
        };
      },
    );
  }
}

function notFound(instanceId: string): ApiError {
  return new ApiError(
    404,
    ErrorCode.instanceNotFound,
    `workflow instance ${JSON.stringify(instanceId)} not found`,
  );
}

/** `RUNNING,suspended` → the statuses; names are case-insensitive. */
function parseStatuses(text: string): WorkflowRuntimeStatus[] {
  return text.split(',').map((part) => {
    const status = STATUSES.find((s) => s === part.trim().toUpperCase());
    if (!status) {
      throw new ApiError(400, ErrorCode.malformedRequest, `unknown status ${JSON.stringify(part)}`, {
        field: 'status',
        allowed: `a comma-separated list of ${STATUSES.join(', ')}`,
      });
    }
    return status;
  });
}
