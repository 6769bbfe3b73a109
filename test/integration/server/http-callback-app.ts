import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One job callback as the app received it, with its headers. */
export interface HttpCallback {
  name: string;
  body: string;
  headers: IncomingHttpHeaders;
  /** Epoch ms when the request arrived. */
  at: number;
}

/** What the app does with a callback: answer with a status, never answer, or reset the connection. */
export type HttpCallbackAnswer = number | 'hang' | 'reset';

/**
 * An HTTP app that records `POST /job/{name}` callbacks with their headers. `answer` decides per
 * job name (default 200) and may be changed while the app runs; `GET /` answers 200 (the probe).
 */
export class HttpCallbackApp {
  readonly calls: HttpCallback[] = [];
  answer: (name: string) => HttpCallbackAnswer = () => 200;
  #server: Server | undefined;
  #port: number;
  #waiters: Array<() => void> = [];

  private constructor(port: number) {
    this.#port = port;
  }

  static async start(port = 0): Promise<HttpCallbackApp> {
    const app = new HttpCallbackApp(port);
    await app.listen();
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** (Re)opens the same port. */
  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const match = /^\/job\/(.+)$/.exec(req.url ?? '');
        if (req.method !== 'POST' || !match?.[1]) {
          res.writeHead(200).end('app');
          return;
        }
        const name = decodeURIComponent(match[1]);
        this.calls.push({ name, body, headers: req.headers, at: Date.now() });
        const answer = this.answer(name);
        if (answer === 'reset') req.socket.destroy();
        else if (answer !== 'hang') res.writeHead(answer).end();
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.#port }, () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  callsFor(name: string): HttpCallback[] {
    return this.calls.filter((c) => c.name === name);
  }

  /** Resolves with the callbacks matching `filter` once there are at least `count`. */
  async waitForCalls(
    filter: string | ((call: HttpCallback) => boolean),
    count: number,
    timeoutMs = 20_000,
  ): Promise<HttpCallback[]> {
    const matches = (): HttpCallback[] =>
      this.calls.filter(typeof filter === 'string' ? (c) => c.name === filter : filter);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = matches();
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} callbacks; got ${found.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
