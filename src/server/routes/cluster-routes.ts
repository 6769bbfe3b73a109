import type { FastifyInstance } from 'fastify';
import { StoreRequestError } from '../../etcd/errors.js';
import { ApiError, ErrorCode } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';

/**
 * The embedded cluster's etcd membership (tickflow extension, embedded HA only): list the members,
 * and remove one to scale down (then stop that replica). 404 on a server without embedded HA.
 */
export function registerClusterRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const members = deps.etcdMembers;
  if (members === undefined) return;
  app.get('/v1.0/cluster/members', async () => ({ members: await members.list() }));
  app.delete<{ Params: { name: string } }>('/v1.0/cluster/members/:name', async (request) => {
    try {
      return { removed: await members.remove(request.params.name) };
    } catch (error) {
      if (error instanceof StoreRequestError) {
        throw new ApiError(400, ErrorCode.malformedRequest, error.message, {
          field: error.field,
          allowed: error.allowed,
        });
      }
      throw error;
    }
  });
}
