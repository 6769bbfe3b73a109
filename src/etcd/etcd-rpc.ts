import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';

/**
 * etcd's v3 RPC definitions, loaded from the `etcd3` package's copy of etcd's `rpc.proto` with the
 * options etcd3 uses, so requests and answers have exactly the shapes etcd3's types describe
 * (64-bit fields as strings, enums as names, defaults filled in).
 */
export interface UnaryMethod<Req, Res> {
  /** The HTTP/2 path of the call, e.g. `/etcdserverpb.KV/Txn`. */
  path: string;
  serialize(request: Req): Buffer;
  deserialize(bytes: Buffer): Res;
}

let definitions: ReturnType<typeof loadSync> | undefined;

function load(): ReturnType<typeof loadSync> {
  if (definitions) return definitions;
  const require = createRequire(import.meta.url);
  const proto = join(dirname(require.resolve('etcd3/package.json')), 'proto', 'rpc.proto');
  definitions = loadSync(proto, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return definitions;
}

/** The unary method `service.method` of etcd's API, e.g. `unaryMethod('KV', 'Txn')`. */
export function unaryMethod<Req, Res>(service: string, method: string): UnaryMethod<Req, Res> {
  const definition = load()[`etcdserverpb.${service}`] as
    Record<string, MethodDefinition<Req, Res>> | undefined;
  const found = definition?.[method];
  if (!found || found.requestStream || found.responseStream) {
    throw new Error(`etcdserverpb.${service}/${method} is not a unary method of etcd's API`);
  }
  return { path: found.path, serialize: found.requestSerialize, deserialize: found.responseDeserialize };
}
