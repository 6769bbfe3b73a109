import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../../common/clock.js';
import type { KvStore } from '../../etcd/kv-store.js';
import { WarningCoalescer } from '../../common/warning-coalescer.js';
import { instanceKeys } from '../../runtime/instances/instance-keys.js';
import { ApiError, ErrorCode } from '../api-error.js';
import type { ApiDeps } from '../api-deps.js';
import { toListItem } from '../workflow-view.js';
import { listBounded } from '../ui/bounded-listing.js';
import { clusterSnapshot } from '../ui/cluster-snapshot.js';
import {
  SAMPLE_CAPACITY,
  SAMPLE_INTERVAL_MS,
  startMetricSampler,
  type MetricSampler,
} from '../ui/metric-sampler.js';
import { pendingTimers } from '../ui/pending-timers.js';
import { defaultUiDir, StaticFiles } from '../ui/static-files.js';
import { statusCountsOf } from '../ui/status-counts.js';
import { parseWorkflowFilter, type WorkflowFilterQuery } from '../ui/workflow-filter.js';

/** Instances per page of the dashboard's list: 1 to 200 (default 50). */
export const UI_MAX_PAGE_SIZE = 200;
/** Instance records one list request examines at most, whatever the filters (docs/dashboard.md). */
export const UI_SCAN_LIMIT = 5000;

/** The dashboard's own JSON routes live under this prefix; everything else it uses is the public API. */
const PREFIX = '/v1.0/ui';

/**
 * The shell may be fetched without the token (a browser cannot send headers when it navigates):
 * it holds no data, loads nothing from elsewhere, and may not be framed.
 */
const SHELL_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface UiListQuery extends WorkflowFilterQuery {
  pageSize?: string;
  continuationToken?: string;
}

/** Options of `registerUiRoutes`; tests inject the clock and the folder of the built files. */
export interface UiRouteOptions {
  kv: KvStore;
  clock?: Clock;
  uiDir?: string;
  /** The server log: failed readings of the chart sampler, coalesced (one line a minute per kind). */
  log?: (line: string) => void;
}

/**
 * The web dashboard: its built files at `/ui/` (no token needed) and the JSON routes it needs
 * beyond the public API under `/v1.0/ui/` (token required like every other route). The chart
 * sampler runs while the app listens.
 */
export function registerUiRoutes(app: FastifyInstance, deps: ApiDeps, options: UiRouteOptions): void {
  const clock = options.clock ?? systemClock;
  const files = new StaticFiles(options.uiDir ?? defaultUiDir());
  const timers = deps.runtime.timers;
  const keys = instanceKeys(deps.runtime.namespace, deps.runtime.appId);
  // Every failure is counted in /metrics; the log gets one line per kind a minute.
  const coalescer = new WarningCoalescer({ intervalMs: 60_000 });
  const report = (errors: Error[]): void => {
    for (const e of errors) options.log?.(`warning: dashboard: ${e.message}`);
  };
  // The chart sampler starts once the server listens (a failed start leaves no timer behind)
  // and stops when it closes.
  let sampler: MetricSampler | undefined;
  app.addHook('onListen', async () => {
    sampler ??= startMetricSampler({
      render: () => deps.metrics.registry.render(),
      clock,
      warn: (error) => {
        deps.metrics.recordWarning('dashboard', error);
        const now = clock.now();
        report([...coalescer.flush(now), ...coalescer.offer(error, now)]);
      },
    });
  });
  app.addHook('onClose', async () => {
    sampler?.stop();
    report(coalescer.drain(clock.now()));
  });

  app.get('/ui', { config: { publicRoute: true } }, async (_request, reply) => reply.redirect('/ui/', 302));
  app.get<{ Params: { '*': string } }>('/ui/*', { config: { publicRoute: true } }, async (request, reply) => {
    const path = request.params['*'] === '' ? 'index.html' : request.params['*'];
    const file = await files.get(path);
    if (!file) {
      const why = files.built
        ? `no file ${JSON.stringify(path)} in the dashboard`
        : 'the dashboard is not built (npm run build)';
      throw new ApiError(404, ErrorCode.routeNotFound, why);
    }
    if (path === 'index.html') void reply.headers(SHELL_HEADERS);
    return reply.type(file.contentType).header('cache-control', file.cacheControl).send(file.body);
  });

  app.get<{ Querystring: UiListQuery }>(
    `${PREFIX}/workflows`,
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string' },
            name: { type: 'string' },
            stalled: { type: 'string' },
            idPrefix: { type: 'string' },
            createdFrom: { type: 'string' },
            createdTo: { type: 'string' },
            pageSize: { type: 'string' },
            continuationToken: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
      config: { errorCode: 'ERR_LIST_WORKFLOWS' },
    },
    async (request) => {
      const { pageSize: sizeText, continuationToken, ...filterQuery } = request.query;
      const pageSize = sizeText === undefined || sizeText === '' ? 50 : Number(sizeText);
      if (!/^\d{1,6}$/.test(sizeText ?? '50') || pageSize < 1 || pageSize > UI_MAX_PAGE_SIZE) {
        const allowed = `an integer from 1 to ${UI_MAX_PAGE_SIZE}`;
        throw new ApiError(
          400,
          ErrorCode.malformedRequest,
          `invalid pageSize ${JSON.stringify(sizeText)}: ${allowed}`,
          {
            field: 'pageSize',
            allowed,
          },
        );
      }
      const filter = parseWorkflowFilter(filterQuery);
      const page = await listBounded(
        { list: (q) => deps.client.listWorkflows(q), tokenAfter: (id) => keys.record(id) },
        filter,
        {
          pageSize,
          scanLimit: UI_SCAN_LIMIT,
          ...(continuationToken !== undefined && continuationToken !== '' && { continuationToken }),
        },
      );
      return {
        instances: page.instances.map(toListItem),
        scanned: page.scanned,
        ...(page.continuationToken !== undefined && { continuationToken: page.continuationToken }),
      };
    },
  );

  app.get(`${PREFIX}/workflows/counts`, { config: { errorCode: 'ERR_LIST_WORKFLOWS' } }, async () =>
    statusCountsOf(await deps.metrics.render()),
  );

  app.get<{ Params: { id: string } }>(
    `${PREFIX}/workflows/:id/timers`,
    { config: { errorCode: 'ERR_GET_WORKFLOW' } },
    async (request) => {
      const { id } = request.params;
      // Reads the instance first: an unknown or malformed id is a 404 or 400 as everywhere else.
      const state = await deps.client.getWorkflowState(id, false);
      if (!state) {
        throw new ApiError(
          404,
          ErrorCode.instanceNotFound,
          `workflow instance ${JSON.stringify(id)} not found`,
        );
      }
      return pendingTimers(timers, id);
    },
  );

  app.get(`${PREFIX}/cluster`, { config: { errorCode: 'ERR_INTERNAL' } }, async () =>
    clusterSnapshot(options.kv, timers, clock.now()),
  );

  app.get(`${PREFIX}/metrics`, async () => ({
    intervalMs: SAMPLE_INTERVAL_MS,
    capacity: SAMPLE_CAPACITY,
    points: sampler?.ring.points() ?? [],
  }));
}
