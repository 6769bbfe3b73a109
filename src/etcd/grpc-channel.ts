import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
  type SecureClientSessionOptions,
} from 'node:http2';
import { connect as netConnect } from 'node:net';
import {
  decodeGrpcMessage,
  grpcCallError,
  GrpcStatus,
  httpToGrpc,
  type GrpcCallError,
} from './grpc-call-error.js';

/** Where and how to reach one etcd member. */
export interface GrpcTarget {
  /** `http://host:port`, `https://host:port` or `unix:///path` (etcd's client URL). */
  url: string;
  /** TLS: PEM CA (default: Node's CAs), client certificate and key. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

export interface GrpcChannelOptions {
  /** How long to wait for the connection (TCP, TLS) before a call fails unsent. */
  connectTimeoutMs: number;
  /** The largest answer accepted; a larger one fails with RESOURCE_EXHAUSTED and is dropped. */
  maxReceiveBytes: number;
  /** How long a ping may go unanswered, after a call timed out, before the connection is dropped. */
  pingTimeoutMs?: number;
  /**
   * Calls one connection carries before the next call opens a new one (default 1,000,000,000).
   * HTTP/2 numbers a connection's streams and runs out past 2^30 client streams, about 30 hours at
   * 10,000 calls a second: the old connection is closed gracefully, its calls in flight finish.
   */
  maxCallsPerConnection?: number;
}

/** Per-call settings. */
export interface GrpcCallOptions {
  /** The call fails with DEADLINE_EXCEEDED (outcome unknown) after this many milliseconds. */
  timeoutMs: number;
  /** Extra request headers, e.g. etcd's auth `token`. */
  metadata?: Readonly<Record<string, string>>;
}

// Flow-control windows: Node's default of 64 KiB per stream would make a 2 MiB range answer wait
// for ~30 window updates; these let one page arrive in one go. Bounded by maxReceiveBytes per call.
const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;
const SESSION_WINDOW_BYTES = 16 * 1024 * 1024;
/** Node refuses new streams once a session buffers this many MB; raised so large pages fit. */
const SESSION_MEMORY_MB = 128;

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = constants;
const MAX_CALLS_PER_CONNECTION = 1_000_000_000;

/**
 * One HTTP/2 connection to one etcd member, for unary gRPC calls: a request message goes out, one
 * answer comes back. It exists because a unary call through grpc-js's general machinery costs
 * about 0.3 ms of CPU, the size of etcd's own handling of a small transaction, and a workflow step
 * waits for one such call; framing the call directly on Node's HTTP/2 halves that.
 *
 * The connection opens on first use and again after it is lost; a call made while it is down waits
 * for it (up to `connectTimeoutMs`) and fails as not sent if it cannot open. Each call has a
 * deadline; a call that misses it is cancelled and the connection pinged, and dropped if the ping
 * goes unanswered, so a silently dead member (paused, cut off) is noticed. Holds the process open
 * only while calls are in flight.
 */
export class GrpcChannel {
  readonly #target: GrpcTarget;
  readonly #options: GrpcChannelOptions;
  #session: ClientHttp2Session | undefined;
  #connecting: Promise<ClientHttp2Session> | undefined;
  #active = 0;
  /** Calls in flight per connection, to close a retired one after its last call. */
  readonly #perSession = new WeakMap<ClientHttp2Session, number>();
  #closed = false;
  #probing = false;
  /** Calls started on the current connection. */
  #calls = 0;

  constructor(target: GrpcTarget, options: GrpcChannelOptions) {
    this.#target = target;
    this.#options = options;
  }

  /** Sends one request message and resolves with the answer's message bytes. */
  unary(path: string, message: Buffer, options: GrpcCallOptions): Promise<Buffer> {
    if (this.#closed) return Promise.reject(grpcCallError(GrpcStatus.CANCELLED, 'channel closed'));
    const session = this.#session;
    if (session !== undefined && !session.closed && !session.destroyed) {
      return this.#call(session, path, message, options);
    }
    // Through `unary` again: calls waiting for the connection may have used it up meanwhile
    // (maxCallsPerConnection), and then this one opens the next.
    return this.#connect().then(() => this.unary(path, message, options));
  }

  /** Drops the connection; calls in flight fail with CANCELLED, later ones fail at once. */
  close(): void {
    this.#closed = true;
    this.#session?.destroy();
    this.#session = undefined;
  }

  #connect(): Promise<ClientHttp2Session> {
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  #open(): Promise<ClientHttp2Session> {
    const { url, tls } = this.#target;
    const options: SecureClientSessionOptions = {
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, enablePush: false },
      maxSessionMemory: SESSION_MEMORY_MB,
    };
    let authority = url;
    if (url.startsWith('unix://')) {
      const socketPath = url.slice('unix://'.length);
      authority = 'http://localhost';
      options.createConnection = () => netConnect(socketPath);
    } else if (url.startsWith('https://')) {
      if (tls?.ca) options.ca = tls.ca;
      if (tls?.cert) options.cert = tls.cert;
      if (tls?.key) options.key = tls.key;
    } else if (!url.startsWith('http://')) {
      authority = `http://${url}`;
    }
    return new Promise((resolve, reject) => {
      const session = connect(authority, options);
      const fail = (reason: string): void => {
        clearTimeout(timer);
        session.destroy();
        reject(grpcCallError(GrpcStatus.UNAVAILABLE, `No connection established: ${reason}`));
      };
      const timer = setTimeout(
        () => fail(`no connection within ${this.#options.connectTimeoutMs} ms`),
        this.#options.connectTimeoutMs,
      );
      const onError = (error: Error): void => fail(error.message);
      const onClose = (): void => fail('connection closed while opening');
      session.once('error', onError);
      session.once('close', onClose);
      session.once('connect', () => {
        clearTimeout(timer);
        session.off('error', onError);
        session.off('close', onClose);
        if (this.#closed) {
          session.destroy();
          reject(grpcCallError(GrpcStatus.CANCELLED, 'channel closed'));
          return;
        }
        session.setLocalWindowSize(SESSION_WINDOW_BYTES);
        this.#adopt(session);
        resolve(session);
      });
    });
  }

  /** New calls go to a new connection; this one closes once its calls in flight are done. */
  #retire(session: ClientHttp2Session): void {
    if (this.#session === session) this.#session = undefined;
    if (!this.#perSession.get(session)) this.#closeRetired(session);
  }

  #closeRetired(session: ClientHttp2Session): void {
    if (session !== this.#session && !session.closed && !session.destroyed) session.close();
  }

  #adopt(session: ClientHttp2Session): void {
    this.#session = session;
    this.#calls = 0;
    if (this.#active === 0) session.unref();
    const forget = (): void => {
      if (this.#session === session) this.#session = undefined;
    };
    // A GOAWAY (etcd shutting down) lets the streams already sent finish; new calls take a new
    // connection. Errors reach the streams in flight, which fail on their own.
    session.on('goaway', forget);
    session.on('close', forget);
    session.on('error', forget);
  }

  #call(
    session: ClientHttp2Session,
    path: string,
    message: Buffer,
    options: GrpcCallOptions,
  ): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const frame = Buffer.allocUnsafe(5 + message.length);
      frame[0] = 0;
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      const headers: Record<string, string> = {
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(options.timeoutMs))}m`,
      };
      if (options.metadata) Object.assign(headers, options.metadata);
      let stream: ClientHttp2Stream;
      try {
        stream = session.request(headers, { endStream: false });
      } catch (error) {
        // The session closed under us between the check and the request, or it has no stream ids
        // left: nothing was sent, and the next attempt takes a new connection.
        this.#retire(session);
        reject(
          grpcCallError(GrpcStatus.UNAVAILABLE, `No connection established: ${(error as Error).message}`),
        );
        return;
      }
      this.#hold(session);
      if (++this.#calls >= (this.#options.maxCallsPerConnection ?? MAX_CALLS_PER_CONNECTION)) {
        this.#retire(session);
      }
      const { maxReceiveBytes } = this.#options;
      const chunks: Buffer[] = [];
      let received = 0;
      let status: number | undefined;
      let details = '';
      let failure: GrpcCallError | undefined;
      const readStatus = (h: IncomingHttpHeaders): void => {
        const code = h['grpc-status'];
        if (code === undefined) return;
        status = Number(code);
        const raw = h['grpc-message'];
        details = typeof raw === 'string' ? decodeGrpcMessage(raw) : '';
      };
      const timer = setTimeout(() => {
        failure = grpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded');
        stream.close(NGHTTP2_CANCEL);
        this.#probe(session);
      }, options.timeoutMs);
      stream.on('response', (h: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
        const http = h[':status'];
        if (http !== 200 && failure === undefined) {
          failure = grpcCallError(httpToGrpc(http), `HTTP status ${String(http)} from etcd`);
        }
        readStatus(h); // a "trailers-only" answer carries its status in the headers
      });
      stream.on('trailers', readStatus);
      stream.on('data', (chunk: Buffer) => {
        if (failure !== undefined) return;
        received += chunk.length;
        if (received > maxReceiveBytes + 5) {
          failure = grpcCallError(
            GrpcStatus.RESOURCE_EXHAUSTED,
            `Received message larger than max (${received} vs. ${maxReceiveBytes})`,
          );
          stream.close(NGHTTP2_CANCEL);
          return;
        }
        chunks.push(chunk);
      });
      // Errors are settled on 'close', which always follows.
      stream.on('error', () => undefined);
      stream.on('close', () => {
        clearTimeout(timer);
        this.#release(session);
        if (failure) return reject(failure);
        if (status === undefined) {
          return reject(
            stream.rstCode === NGHTTP2_REFUSED_STREAM
              ? grpcCallError(GrpcStatus.UNAVAILABLE, 'No connection established: stream refused by etcd')
              : grpcCallError(GrpcStatus.UNAVAILABLE, `Connection dropped (HTTP/2 code ${stream.rstCode})`),
          );
        }
        if (status !== GrpcStatus.OK) return reject(grpcCallError(status, details));
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        const answer = unframe(body);
        if (answer instanceof Error) return reject(answer);
        resolve(answer);
      });
      stream.end(frame);
    });
  }

  /** After a missed deadline: is the connection alive? A dead one is dropped, so the next call reconnects. */
  #probe(session: ClientHttp2Session): void {
    if (this.#probing || session.destroyed) return;
    this.#probing = true;
    const timeoutMs = this.#options.pingTimeoutMs ?? 5_000;
    const drop = setTimeout(() => session.destroy(), timeoutMs);
    drop.unref();
    const sent = session.ping((error) => {
      clearTimeout(drop);
      this.#probing = false;
      if (error) session.destroy();
    });
    if (!sent) {
      clearTimeout(drop);
      this.#probing = false;
      session.destroy();
    }
  }

  #hold(session: ClientHttp2Session): void {
    this.#active++;
    this.#perSession.set(session, (this.#perSession.get(session) ?? 0) + 1);
    session.ref();
  }

  #release(session: ClientHttp2Session): void {
    const left = (this.#perSession.get(session) ?? 1) - 1;
    this.#perSession.set(session, left);
    if (left === 0) this.#closeRetired(session);
    if (--this.#active > 0) return;
    session.unref();
    this.#session?.unref();
  }
}

/** The one message of a unary answer, without its 5-byte gRPC frame header. */
function unframe(body: Buffer): Buffer | GrpcCallError {
  if (body.length < 5) return grpcCallError(GrpcStatus.INTERNAL, 'answer without a message');
  if (body[0] !== 0) return grpcCallError(GrpcStatus.INTERNAL, 'compressed answer (none was asked for)');
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) {
    return grpcCallError(
      GrpcStatus.INTERNAL,
      `answer framing: ${body.length - 5} bytes for a ${length}-byte message`,
    );
  }
  return body.subarray(5);
}
