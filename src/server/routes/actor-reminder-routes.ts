import type { FastifyInstance } from 'fastify';
import { JobNotFoundError, JobValidationError } from '../../timers/errors.js';
import { MAX_LIST_PAGE } from '../../timers/job-listing.js';
import type { JobView } from '../../timers/job-view.js';
import type { ApiDeps } from '../api-deps.js';
import { ApiError, ErrorCode } from '../api-error.js';
import { ActorReminderValidationError } from '../actors/actor-reminder-errors.js';
import {
  ACTOR_REMINDER_TARGET,
  reminderJobName,
  reminderPrefix,
  type ReminderKey,
} from '../actors/actor-reminder-names.js';
import {
  REMINDER_BODY_SCHEMA,
  reminderJob,
  reminderResponse,
  storedReminder,
  type ReminderRequestBody,
  type ReminderResponse,
} from '../actors/actor-reminder-spec.js';

/** Dapr's actor API prefix. */
const PREFIX = '/v1.0/actors';

interface ReminderParams {
  actorType: string;
  actorId: string;
  name: string;
}

interface ListParams {
  actorType: string;
  actorId?: string;
}

const REMINDER_NOT_FOUND = 'ERR_ACTOR_REMINDER_NOT_FOUND';

/** The timer grammar names its own fields; this API's are `period` (a schedule and its repeats) and the rest as they are. */
const FIELD_OF: Readonly<Record<string, string>> = { schedule: 'period', repeats: 'period' };

/**
 * A reminder request's bad input as a 400 naming the field, the value and what is allowed. The
 * timer service checks the period as a schedule (`@every 50ms` under the floor): that is
 * reported as the `period` the caller sent.
 */
function asApiError(error: unknown, body?: ReminderRequestBody): unknown {
  if (error instanceof ActorReminderValidationError || error instanceof JobValidationError) {
    const field = FIELD_OF[error.field] ?? error.field;
    const message =
      field === error.field
        ? error.message
        : `invalid period: ${JSON.stringify(body?.period ?? null)}; allowed: ${error.allowed}`;
    return new ApiError(400, ErrorCode.malformedRequest, message, { field, allowed: error.allowed });
  }
  return error;
}

function key(params: ReminderParams): ReminderKey {
  return { actorType: params.actorType, actorId: params.actorId, name: params.name };
}

/** A reminder as GET and the list show it, with where it will fire next (tickflow's fields). */
function view(job: JobView): (ReminderResponse & { count?: number; nextFireAt?: string }) | undefined {
  const reminder = job.target === ACTOR_REMINDER_TARGET ? storedReminder(job.data) : undefined;
  if (reminder === undefined) return undefined;
  return {
    ...reminderResponse(reminder),
    ...(job.count !== undefined && { count: job.count }),
    ...(job.nextFireAt !== undefined && { nextFireAt: job.nextFireAt.toISOString() }),
  };
}

/**
 * Dapr's actor reminder API, `POST|PUT|GET|DELETE /v1.0/actors/{type}/{id}/reminders/{name}`,
 * each reminder a job of the timer service (`src/server/actors/`); and tickflow's own `GET|DELETE
 * /v1.0/actors/{type}/reminders` and `/v1.0/actors/{type}/{id}/reminders`, which list and delete
 * the reminders of an actor type or of one actor.
 */
export function registerActorReminderRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const timers = deps.runtime.timers;
  const path = `${PREFIX}/:actorType/:actorId/reminders/:name`;
  for (const method of ['POST', 'PUT'] as const) {
    app.route<{ Params: ReminderParams; Body: ReminderRequestBody | undefined }>({
      method,
      url: path,
      schema: { body: REMINDER_BODY_SCHEMA },
      config: { errorCode: 'ERR_ACTOR_REMINDER_CREATE' },
      handler: async (request, reply) => {
        try {
          const { name, spec } = reminderJob(key(request.params), request.body ?? {}, Date.now());
          await timers.schedule(name, spec);
        } catch (error) {
          throw asApiError(error, request.body);
        }
        return reply.code(204).send();
      },
    });
  }

  app.get<{ Params: ReminderParams }>(
    path,
    { config: { errorCode: 'ERR_ACTOR_REMINDER_GET' } },
    async (request) => {
      const params = request.params;
      let found: ReturnType<typeof view>;
      try {
        found = view(await timers.get(reminderJobName(key(params))));
      } catch (error) {
        if (!(error instanceof JobNotFoundError)) throw asApiError(error);
      }
      if (found === undefined) {
        throw new ApiError(
          404,
          REMINDER_NOT_FOUND,
          `actor ${JSON.stringify(params.actorType)}/${JSON.stringify(params.actorId)} has no reminder ` +
            `named ${JSON.stringify(params.name)}`,
        );
      }
      return found;
    },
  );

  app.delete<{ Params: ReminderParams }>(
    path,
    { config: { errorCode: 'ERR_ACTOR_REMINDER_DELETE' } },
    async (request, reply) => {
      try {
        // Deleting a missing reminder succeeds: the caller's intent (no such reminder) holds.
        await timers.delete(reminderJobName(key(request.params)));
      } catch (error) {
        throw asApiError(error);
      }
      return reply.code(204).send();
    },
  );

  for (const url of [`${PREFIX}/:actorType/reminders`, `${PREFIX}/:actorType/:actorId/reminders`]) {
    app.get<{ Params: ListParams; Querystring: { limit?: string; after?: string } }>(
      url,
      {
        schema: {
          querystring: {
            type: 'object',
            properties: { limit: { type: 'string', pattern: '^[0-9]{1,6}$' }, after: { type: 'string' } },
          },
        },
        config: { errorCode: 'ERR_ACTOR_REMINDER_LIST' },
      },
      async (request) => {
        const { limit, after } = request.query;
        // Bounded as the jobs list is: at most 10,000 reminders (and 4 MiB) a page; `next` says more follow.
        const page = await timers
          .listPage({
            prefix: reminderPrefix(request.params.actorType, request.params.actorId),
            limit: limit !== undefined ? Number(limit) : MAX_LIST_PAGE,
            ...(after !== undefined && { after }),
          })
          .catch((error: unknown) => {
            throw asApiError(error);
          });
        const reminders = page.jobs.map(view).filter((r) => r !== undefined);
        return { reminders, ...(page.next !== undefined && { next: page.next }) };
      },
    );

    app.delete<{ Params: ListParams }>(
      url,
      { config: { errorCode: 'ERR_ACTOR_REMINDER_DELETE' } },
      async (request) => ({
        deleted: await timers.deletePrefix(reminderPrefix(request.params.actorType, request.params.actorId)),
      }),
    );
  }
}
