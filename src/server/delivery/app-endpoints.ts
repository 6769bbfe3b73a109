import { TickflowError } from '../../common/tickflow-error.js';

/**
 * How job callbacks reach the app, as Dapr's `--app-protocol`: `http` (POST /job/{name}, http://
 * or https:// URLs) or `grpc` (`AppCallbackAlpha.OnJobEventAlpha1`, `host:port`, plaintext), or
 * `grpcs` (the same over TLS).
 */
export type AppProtocol = 'http' | 'grpc' | 'grpcs';

/** The protocols `--app-protocol` takes. */
export const APP_PROTOCOLS: readonly AppProtocol[] = ['http', 'grpc', 'grpcs'];

/**
 * How many app instances one server delivers to. They are listed on the command line, and each
 * costs a connection pool and, while unreachable, a probe loop.
 */
export const MAX_APP_INSTANCES = 64;

/** A bad `--app-url` or `--app-protocol`: `field`, `value` and `allowed` say which and why. */
export class AppEndpointError extends TickflowError {
  override name = 'AppEndpointError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
}

const HTTP_ALLOWED = 'an http:// or https:// URL, e.g. http://127.0.0.1:3000';
const GRPC_ALLOWED = "host:port of the app's gRPC server, e.g. 127.0.0.1:50051 or [::1]:50051";

/**
 * The app instances from `--app-url` values (each may list several, comma-separated), checked
 * for `protocol` and normalised (no trailing slash). Throws `AppEndpointError`.
 */
export function parseAppEndpoints(values: readonly string[], protocol: string): string[] {
  if (!(APP_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new AppEndpointError(undefined, {
      invalid: { field: '--app-protocol', value: protocol, allowed: APP_PROTOCOLS.join(', ') },
    });
  }
  const endpoints = values.flatMap((value) => value.split(',')).map((part) => part.trim());
  if (endpoints.length > MAX_APP_INSTANCES) {
    throw new AppEndpointError(undefined, {
      invalid: {
        field: '--app-url',
        value: `${endpoints.length} instances`,
        allowed: `at most ${MAX_APP_INSTANCES} app instances`,
      },
    });
  }
  const seen = new Set<string>();
  return endpoints.map((text) => {
    const endpoint = protocol === 'http' ? httpEndpoint(text) : grpcEndpoint(text, protocol);
    if (seen.has(endpoint)) {
      throw new AppEndpointError(undefined, {
        invalid: { field: '--app-url', value: text, allowed: 'each app instance once (it is listed twice)' },
      });
    }
    seen.add(endpoint);
    return endpoint;
  });
}

function httpEndpoint(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new AppEndpointError(undefined, {
      invalid: { field: '--app-url', value: text, allowed: HTTP_ALLOWED },
    });
  }
  return text.replace(/\/+$/, '');
}

function grpcEndpoint(text: string, protocol: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]\s]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) {
    throw new AppEndpointError(undefined, {
      invalid: {
        field: '--app-url',
        value: text,
        allowed: `with --app-protocol ${protocol}, ${GRPC_ALLOWED}`,
      },
    });
  }
  return text;
}
