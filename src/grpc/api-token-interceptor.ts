import {
  Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { API_TOKEN_HEADER, checkApiToken } from '../server/api-token.js';

/**
 * Refuses, with UNAUTHENTICATED, every call whose metadata does not carry `token` in
 * `dapr-api-token` (Dapr's clients send `DAPR_API_TOKEN` there) or as `authorization: Bearer`,
 * under the HTTP API's rules (one value, compared in constant time). Calls to the services in
 * `open` (the health service: probes carry no token) pass without it. The check runs on the
 * request's metadata, before its message is read.
 */
export function apiTokenInterceptor(token: string, open: ReadonlySet<string>): ServerInterceptor {
  return (method, call) => {
    if (open.has(serviceOf(method.path))) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const check = checkApiToken(headersOf(metadata), token);
        if (check === 'ok') {
          next(metadata);
          return;
        }
        call.sendStatus({
          code: status.UNAUTHENTICATED,
          details:
            check === 'missing'
              ? `this server requires an API token: send it in the ${API_TOKEN_HEADER} metadata`
              : `the ${API_TOKEN_HEADER} metadata does not carry this server's API token`,
          metadata: new Metadata(),
        });
      })
      .build();
    const responder = new ResponderBuilder().withStart((next) => next(listener)).build();
    return new ServerInterceptingCall(call, responder);
  };
}

/** `/pkg.Service/Method` → `pkg.Service`. */
export function serviceOf(path: string): string {
  return path.split('/')[1] ?? '';
}

/** The two metadata keys checkApiToken reads, every value of each (a repeated key is refused). */
function headersOf(metadata: Metadata): Record<string, string[] | undefined> {
  const text = (key: string): string[] | undefined => {
    const values = metadata.get(key);
    return values.length === 0
      ? undefined
      : values.map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
  };
  return { [API_TOKEN_HEADER]: text(API_TOKEN_HEADER), authorization: text('authorization') };
}
