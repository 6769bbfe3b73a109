import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { ApiError, ErrorCode, toApiError } from './api-error.js';
import type { ApiDeps } from './api-deps.js';
import { API_TOKEN_HEADER, checkApiToken } from './api-token.js';
import { registerBodyParsers } from './body-parsers.js';
import { registerActorReminderRoutes } from './routes/actor-reminder-routes.js';
import { registerJobRoutes } from './routes/job-routes.js';
import { registerPublishRoutes } from './routes/publish-routes.js';
import { registerClusterRoutes } from './routes/cluster-routes.js';
import { registerSystemRoutes } from './routes/system-routes.js';
import { registerWorkflowRoutes } from './routes/workflow-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Dapr error code for unexpected failures of this route (ERR_SCHEDULE_JOB, ...). */
    errorCode?: string;
    /** Error code for JSON-schema violations of this route (default ERR_MALFORMED_REQUEST). */
    validationErrorCode?: string;
    /** Answered without the API token: the dashboard's static files (src/server/ui), which hold no data. */
    publicRoute?: boolean;
  }
}

/** Dapr's default body limit; job data itself is capped lower by the timer service. */
const BODY_LIMIT = 4 * 1024 * 1024;
/** Long enough for a 256-character job name or a 200-character instance id, percent-encoded. */
const MAX_PARAM_LENGTH = 4096;

export interface HttpAppOptions {
  /** Called with every error answered with a 5xx, for the server log. */
  onServerError?: (error: unknown, request: FastifyRequest) => void;
  /**
   * When set, every route but the health checks answers 401 unless the request carries this
   * token in `dapr-api-token` (or `Authorization: Bearer`), as Dapr's API token does.
   */
  apiToken?: string;
  /** Serve HTTPS with this key and certificate; with `ca`, clients must present a certificate it signed. */
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer };
}

/** Routes anyone may call: a load balancer's or orchestrator's health probe carries no token. */
const OPEN_ROUTES = new Set(['/v1.0/healthz', '/v1.0/healthz/outbound']);

/** The Fastify app with every route; not yet listening. */
export function buildHttpApp(deps: ApiDeps, options: HttpAppOptions = {}): FastifyInstance {
  const { tls } = options;
  const app = Fastify({
    ...(tls !== undefined && {
      https: {
        key: tls.key,
        cert: tls.cert,
        ...(tls.ca !== undefined && { ca: tls.ca, requestCert: true, rejectUnauthorized: true }),
      },
    }),
    logger: false,
    bodyLimit: BODY_LIMIT,
    // Keep-alive clients (the Dapr SDK pools connections) must not hold shutdown open.
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    ajv: {
      customOptions: {
        // Bodies are checked, never rewritten: no type coercion, no silently dropped keys.
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        allowUnionTypes: true,
        // Errors then carry the schema, so an unknown key can be answered with the allowed ones.
        verbose: true,
      },
    },
    // Bad URLs (broken percent-encoding, ...) never reach a route; answer them in our error shape too.
    frameworkErrors: (error, _request, reply) => {
      const plain = reply as unknown as FastifyReply;
      void plain.code(400).send(new ApiError(400, ErrorCode.malformedRequest, error.message).toBody());
    },
  });
  registerBodyParsers(app);
  const { apiToken } = options;
  if (apiToken !== undefined) {
    // onRequest runs before the body is read: a request without the token costs no parsing.
    app.addHook('onRequest', async (request, reply) => {
      if (OPEN_ROUTES.has(request.routeOptions.url ?? '') || request.routeOptions.config.publicRoute) return;
      const check = checkApiToken(request.headers, apiToken);
      if (check === 'ok') return;
      const error = new ApiError(
        401,
        check === 'missing' ? ErrorCode.apiTokenMissing : ErrorCode.apiTokenInvalid,
        check === 'missing'
          ? `this server requires an API token: send it in the ${API_TOKEN_HEADER} header`
          : `the ${API_TOKEN_HEADER} header does not carry this server's API token`,
      );
      return reply.code(401).send(error.toBody());
    });
  }

  app.setErrorHandler((error: unknown, request, reply) => {
    const apiError = fromFastifyError(error, request);
    if (apiError.status >= 500) options.onServerError?.(error, request);
    return reply.code(apiError.status).send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(
      404,
      ErrorCode.routeNotFound,
      `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
    );
    return reply.code(404).send(error.toBody());
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    deps.metrics.httpRequests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });

  registerJobRoutes(app, deps);
  registerActorReminderRoutes(app, deps);
  registerPublishRoutes(app, deps);
  registerWorkflowRoutes(app, deps);
  registerSystemRoutes(app, deps);
  registerClusterRoutes(app, deps);
  return app;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { properties?: Record<string, unknown> };
}

/** Maps Fastify's own errors (schema, body size, parser) and domain errors onto ApiError. */
function fromFastifyError(error: unknown, request: FastifyRequest): ApiError {
  const config = request.routeOptions.config;
  const fastifyError = error as Partial<FastifyError> & { validation?: AjvError[] };
  if (Array.isArray(fastifyError.validation)) {
    const first = fastifyError.validation[0];
    const where = fastifyError.validationContext ?? 'request';
    return schemaError(first, where, config.validationErrorCode ?? ErrorCode.malformedRequest);
  }
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ApiError(413, ErrorCode.bodyTooLarge, `request body is larger than ${BODY_LIMIT} bytes`);
  }
  if (
    !(error instanceof ApiError) &&
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return new ApiError(
      fastifyError.statusCode,
      ErrorCode.malformedRequest,
      fastifyError.message ?? 'bad request',
    );
  }
  return toApiError(error, config.errorCode);
}

function schemaError(error: AjvError | undefined, where: string, code: string): ApiError {
  if (!error) return new ApiError(400, code, `invalid ${where}`);
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params['additionalProperty']);
    const allowed = Object.keys(error.parentSchema?.properties ?? {})
      .filter((k) => k !== 'name')
      .join(', ');
    return new ApiError(
      400,
      code,
      `unknown field ${JSON.stringify(key)} in the ${where}; allowed: ${allowed}`,
      {
        field: key,
        allowed,
      },
    );
  }
  const field =
    error.keyword === 'required'
      ? String(error.params['missingProperty'])
      : error.instancePath.replace(/^\//, '').replace(/\//g, '.') || where;
  const problem = error.message ?? 'does not match the schema';
  const message =
    field === where
      ? `the request ${where} ${problem}`
      : `invalid ${where} field ${JSON.stringify(field)}: ${problem}`;
  return new ApiError(400, code, message, { field, allowed: error.message ?? 'see the API reference' });
}
