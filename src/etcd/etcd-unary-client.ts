import { castGrpcError, EtcdInvalidAuthTokenError } from 'etcd3';
import { GrpcChannel, type GrpcTarget } from './grpc-channel.js';
import { unaryMethod, type UnaryMethod } from './etcd-rpc.js';
import { hostBreaker } from './host-breaker.js';
import { retryUnsent } from './retry-unsent.js';
import type { EtcdCredentials } from './etcd-credentials.js';

export interface EtcdUnaryClientOptions extends EtcdCredentials {
  hosts: readonly string[];
  /** Per-call deadline, milliseconds. */
  requestTimeoutMs: number;
  /** Connection timeout, milliseconds. */
  dialTimeoutMs: number;
  /** How long a provably unsent request is re-sent (see `retryUnsent`); 0: never. */
  retryDeadlineMs: number;
  /** The largest answer accepted, bytes. */
  maxReceiveBytes: number;
  /** For tests: the policy attempts run under (default `retryUnsent` with `retryDeadlineMs`). */
  retry?: RetryPolicy;
}

/** How an attempt is re-run: the shape of `retryUnsent`'s policy. */
export interface RetryPolicy {
  execute<T>(fn: () => PromiseLike<T> | T): Promise<T>;
}

type Policy = RetryPolicy;

interface Member {
  channel: GrpcChannel;
  breaker: Policy;
}

interface AuthenticateRequest {
  name: string;
  password: string;
}

/**
 * etcd's unary calls (KV reads and transactions: a step's hot path) on tickflow's own HTTP/2
 * channels (`GrpcChannel`) instead of etcd3's grpc-js clients, with the same rules etcd3 is
 * configured with in `connectEtcd`: the members are tried in turn, a member that failed three
 * times in a row is skipped for a second (`hostBreaker`), a request is re-sent only when it
 * provably was not applied (`retryUnsent`), each call has `requestTimeoutMs`, and etcd's auth
 * token is fetched once and again when etcd says it is no longer valid. Errors leave typed as
 * etcd3 types them (`castGrpcError`), so `toStoreError` reads them unchanged. Watches, leases
 * and maintenance stay on etcd3.
 */
export class EtcdUnaryClient {
  readonly #members: Member[];
  readonly #retry: Policy;
  readonly #options: EtcdUnaryClientOptions;
  readonly #authenticate: UnaryMethod<AuthenticateRequest, { token: string }>;
  #token: Promise<string> | undefined;
  #next = 0;

  constructor(options: EtcdUnaryClientOptions) {
    this.#options = options;
    const breakers = hostBreaker(1_000);
    const { tls } = options;
    const pem = (value: Buffer | string | undefined): Buffer | undefined =>
      value === undefined ? undefined : Buffer.from(value);
    const target = (url: string): GrpcTarget => ({
      url,
      ...(tls && { tls: { ca: pem(tls.ca), cert: pem(tls.cert), key: pem(tls.key) } }),
    });
    this.#members = options.hosts.map((url) => ({
      channel: new GrpcChannel(target(url), {
        connectTimeoutMs: options.dialTimeoutMs,
        maxReceiveBytes: options.maxReceiveBytes,
      }),
      breaker: breakers(url) as unknown as Policy,
    }));
    this.#retry =
      options.retry ?? (retryUnsent({ deadlineMs: options.retryDeadlineMs }) as unknown as Policy);
    this.#authenticate = unaryMethod('Auth', 'Authenticate');
  }

  /** Calls `method` with `request`; rejects with etcd3's typed errors. */
  call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
    const message = method.serialize(request);
    return this.#retry.execute(() => this.#onSomeMember(method, message, true));
  }

  close(): void {
    for (const { channel } of this.#members) channel.close();
  }

  /** One attempt: the members in turn from the next one, until one takes the call. */
  async #onSomeMember<Req, Res>(
    method: UnaryMethod<Req, Res>,
    message: Buffer,
    renewToken: boolean,
  ): Promise<Res> {
    // Without auth there is no token to wait for: no extra turn on every call.
    const token = this.#options.auth === undefined ? undefined : await this.#authToken();
    const count = this.#members.length;
    const first = this.#next++ % count;
    let skipped: unknown;
    for (let i = 0; i < count; i++) {
      const member = this.#members[(first + i) % count] as Member;
      let called = false;
      try {
        const answer = await member.breaker.execute(() => {
          called = true;
          return this.#send(member.channel, method.path, message, token);
        });
        return method.deserialize(answer);
      } catch (error) {
        if (!called) {
          skipped = error; // the breaker refused: this member is cooling down, try the next
          continue;
        }
        const typed = error as Error;
        // A token etcd forgot (restart, expiry) is refused before anything is applied: fetch a
        // new one and send again, once.
        if (typed instanceof EtcdInvalidAuthTokenError && renewToken && token !== undefined) {
          this.#token = undefined;
          return this.#onSomeMember(method, message, false);
        }
        throw typed;
      }
    }
    throw skipped instanceof Error ? castGrpcError(skipped) : new Error('etcd client has no hosts');
  }

  #send(channel: GrpcChannel, path: string, message: Buffer, token: string | undefined): Promise<Buffer> {
    const timeoutMs = this.#options.requestTimeoutMs;
    const sent =
      token === undefined
        ? channel.unary(path, message, { timeoutMs })
        : channel.unary(path, message, { timeoutMs, metadata: { token } });
    // Typed inside the breaker, which counts only "unreachable" failures against the member.
    return sent.then(undefined, (error: Error) => Promise.reject(castGrpcError(error)));
  }

  /** etcd's auth token, fetched once from the first member that gives one. */
  #authToken(): Promise<string> {
    const { auth } = this.#options;
    if (auth === undefined) return Promise.reject(new Error('etcd auth token asked for without auth'));
    this.#token ??= this.#fetchToken(auth).catch((error: unknown) => {
      this.#token = undefined;
      throw error;
    });
    return this.#token;
  }

  async #fetchToken(auth: { username: string; password: string }): Promise<string> {
    const message = this.#authenticate.serialize({ name: auth.username, password: auth.password });
    let lastError: unknown;
    for (const { channel } of this.#members) {
      try {
        const answer = await channel.unary(this.#authenticate.path, message, {
          timeoutMs: this.#options.requestTimeoutMs,
        });
        return this.#authenticate.deserialize(answer).token;
      } catch (error) {
        lastError = castGrpcError(error as Error);
      }
    }
    throw lastError;
  }
}
