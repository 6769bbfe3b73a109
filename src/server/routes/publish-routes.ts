import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { PubSubMessageTooLargeError, PubSubUnavailableError } from '../pubsub/pubsub-errors.js';
import type { JsonValue } from '../../timers/schedule/job.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, payloadBytes } from '../../engine/payload-limit.js';

interface PublishParams {
  pubsubname: string;
  topic: string;
}

/** Dapr's error codes of the publish API. */
const ERR_PUBSUB_NOT_FOUND = 'ERR_PUBSUB_NOT_FOUND';
const ERR_PUBSUB_PUBLISH_MESSAGE = 'ERR_PUBSUB_PUBLISH_MESSAGE';
const ERR_PUBSUB_EVENTS_SER = 'ERR_PUBSUB_EVENTS_SER';

/**
 * `POST /v1.0/publish/{pubsubname}/{topic}` (Dapr's publish API): wraps the body in a CloudEvent
 * and publishes it at once, the same path a publish job's tick takes. 204 once the broker stored
 * it; 400 `ERR_PUBSUB_NOT_FOUND` for a component this server does not have (the message lists
 * those it has); 413 over the payload limit; 500 `ERR_PUBSUB_PUBLISH_MESSAGE` when the broker
 * cannot be reached.
 */
export function registerPublishRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: PublishParams; Body: unknown }>(
    '/v1.0/publish/:pubsubname/:topic',
    { config: { errorCode: ERR_PUBSUB_PUBLISH_MESSAGE } },
    async (request, reply) => {
      const { pubsubname, topic } = request.params;
      const pubsub = deps.pubsub;
      if (pubsub === undefined || !pubsub.has(pubsubname)) {
        const known = pubsub?.names ?? [];
        throw new ApiError(
          400,
          ERR_PUBSUB_NOT_FOUND,
          `no pub/sub component named ${JSON.stringify(pubsubname)} on this server; ` +
            (known.length === 0
              ? 'it has none (start it with --pubsub name=redis://host:port)'
              : `it has: ${known.join(', ')}`),
          { field: 'pubsubname', allowed: known.join(', ') },
        );
      }
      const data = request.body as JsonValue | undefined;
      // The limit of a job's message too (target.publish.data): one limit, whichever path publishes.
      const limit = DEFAULT_MAX_PAYLOAD_BYTES;
      if (data !== undefined && payloadBytes(data) > limit) {
        throw new ApiError(413, ERR_PUBSUB_EVENTS_SER, `the message is larger than ${limit} bytes`, {
          field: 'body',
          allowed: `at most ${limit} bytes`,
        });
      }
      try {
        await pubsub.publish(pubsubname, topic, data, 'api', {
          dataContentType: typeof data === 'string' ? 'text/plain' : 'application/json',
        });
      } catch (error) {
        if (error instanceof PubSubMessageTooLargeError) {
          throw new ApiError(413, ERR_PUBSUB_EVENTS_SER, error.message, {
            field: 'body',
            allowed: error.allowed,
          });
        }
        if (error instanceof PubSubUnavailableError)
          throw new ApiError(500, ERR_PUBSUB_PUBLISH_MESSAGE, error.message);
        throw error;
      }
      return reply.code(204).send();
    },
  );
}
