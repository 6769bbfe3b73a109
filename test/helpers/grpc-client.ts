import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type ChannelCredentials,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { loadDaprRuntimeProtos, loadHealthProtos, PROTO_LOADER_OPTIONS } from '../../src/grpc/protos.js';

/** The outcome of one unary call: the response, or the status it failed with. */
export type CallResult<T> =
  | { ok: true; value: T; code: 0 }
  | { ok: false; code: number; details: string; metadata: Record<string, string> };

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  callback: (error: ServiceError | null, value?: unknown) => void,
) => void;

/** Looks a service constructor up by its dotted name in a loaded package. */
function serviceCtor(root: GrpcObject, name: string): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of name.split('.')) node = (node as Record<string, unknown>)[part];
  return node as ServiceClientConstructor;
}

/** A client of one service, built from the same published protos the server loads. */
export class GrpcTestClient {
  readonly #client: Client;
  readonly #token: string | undefined;

  private constructor(client: Client, token: string | undefined) {
    this.#client = client;
    this.#token = token;
  }

  /** `dapr.proto.runtime.v1.Dapr` from @dapr/dapr's protos. */
  static dapr(port: number, token?: string): GrpcTestClient {
    const root = loadPackageDefinition(loadDaprRuntimeProtos().packageDefinition);
    return GrpcTestClient.#make(serviceCtor(root, 'dapr.proto.runtime.v1.Dapr'), port, token);
  }

  /** The health service; plaintext unless `channel` says otherwise (e.g. `credentials.createSsl`). */
  static health(port: number, channel?: ChannelCredentials): GrpcTestClient {
    const root = loadPackageDefinition(loadHealthProtos().packageDefinition);
    return GrpcTestClient.#make(serviceCtor(root, 'grpc.health.v1.Health'), port, undefined, channel);
  }

  static #make(
    ctor: ServiceClientConstructor,
    port: number,
    token: string | undefined,
    channel: ChannelCredentials = credentials.createInsecure(),
  ): GrpcTestClient {
    return new GrpcTestClient(new ctor(`127.0.0.1:${port}`, channel), token);
  }

  /** Calls a unary method; `token` overrides the client's (null: send none). */
  call<T>(method: string, request: unknown, token?: string | null): Promise<CallResult<T>> {
    const metadata = new Metadata();
    const sent = token === undefined ? this.#token : (token ?? undefined);
    if (sent !== undefined) metadata.set('dapr-api-token', sent);
    const fn = (this.#client as unknown as Record<string, UnaryMethod>)[method];
    if (fn === undefined) throw new Error(`no method ${method}`);
    return new Promise((resolve) => {
      fn.call(this.#client, request, metadata, (error, value) => {
        if (error) {
          const md: Record<string, string> = {};
          for (const [k, v] of Object.entries(error.metadata?.getMap() ?? {})) md[k] = String(v);
          resolve({ ok: false, code: error.code, details: error.details, metadata: md });
        } else {
          resolve({ ok: true, value: value as T, code: 0 });
        }
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** The fully-qualified services the server's reflection (v1) lists. */
export function listServicesByReflection(port: number, token?: string): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@grpc/reflection/package.json'));
  const definition = loadSync(`${dir}/build/proto/grpc/reflection/v1/reflection.proto`, PROTO_LOADER_OPTIONS);
  const ctor = serviceCtor(loadPackageDefinition(definition), 'grpc.reflection.v1.ServerReflection');
  const client = new ctor(`127.0.0.1:${port}`, credentials.createInsecure());
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('dapr-api-token', token);
  return new Promise((resolve, reject) => {
    const open = (
      client as unknown as Record<
        string,
        (m: Metadata) => NodeJS.EventEmitter & { write(m: unknown): void; end(): void }
      >
    )['ServerReflectionInfo'];
    if (open === undefined) throw new Error('no ServerReflectionInfo');
    const stream = open.call(client, metadata);
    stream.on('data', (response: { list_services_response?: { service?: Array<{ name: string }> } }) => {
      resolve((response.list_services_response?.service ?? []).map((s) => s.name));
      stream.end();
    });
    stream.on('error', (error: Error) => {
      client.close();
      reject(error);
    });
    stream.on('end', () => client.close());
    stream.write({ list_services: '' });
  });
}
