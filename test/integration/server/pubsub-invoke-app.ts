import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the app received it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Epoch ms when it arrived. */
  at: number;
}

/** How the app answers a request: status and JSON body. */
export type Answer = (request: Received, seen: number) => { status: number; body?: unknown };

/**
 * A small HTTP app for the pub/sub and invocation tests: announces `subscriptions` at
 * `GET /dapr/subscribe` (404 when none), records every other request and answers it with
 * `answer` (given the request and how many requests to that path came before). `next` resolves
 * with the first recorded request that matches, waiting for it when none has come yet.
 */
export class PubSubInvokeApp {
  readonly received: Received[] = [];
  /** What `GET /dapr/subscribe` answers (404 when undefined); a test may change it. */
  subscriptions: unknown[] | undefined;
  /** When set, `GET /dapr/subscribe` answers this status and nothing else (an app restarting). */
  subscribeStatus: number | undefined;
  readonly #server: Server;
  readonly #waiters = new Set<{ match: (r: Received) => boolean; resolve: (r: Received) => void }>();

  private constructor(
    server: Server,
    readonly url: string,
  ) {
    this.#server = server;
  }

  static async start(
    subscriptions: unknown[] | undefined,
    answer: Answer,
    listenPort = 0,
  ): Promise<PubSubInvokeApp> {
    // The handler needs the instance made once the server listens.
    const self: { app?: PubSubInvokeApp } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        if (req.method === 'GET' && path === '/dapr/subscribe') {
          const announced = self.app!.subscriptions;
          const status = self.app!.subscribeStatus;
          if (status !== undefined) return void res.writeHead(status).end();
          if (announced === undefined) return void res.writeHead(404).end();
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(announced));
        }
        // Probes of an app that could not be reached: any answer will do.
        if (req.method === 'GET' && path === '/') return void res.writeHead(200).end();
        const request: Received = {
          method: req.method ?? '',
          path,
          headers: req.headers,
          body,
          at: Date.now(),
        };
        const seen = self.app!.received.filter((r) => r.path === path).length;
        self.app!.received.push(request);
        const reply = answer(request, seen);
        res
          .writeHead(reply.status, { 'content-type': 'application/json' })
          .end(reply.body === undefined ? '' : JSON.stringify(reply.body));
        for (const waiter of self.app!.#waiters) {
          if (!waiter.match(request)) continue;
          self.app!.#waiters.delete(waiter);
          waiter.resolve(request);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self.app = new PubSubInvokeApp(server, `http://127.0.0.1:${port}`);
    self.app.subscriptions = subscriptions;
    return self.app;
  }

  /** The first request matching `match`, received already or the next one to come. */
  next(match: (r: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: Received) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `no matching request within ${timeoutMs} ms; received: ${JSON.stringify(this.received.map((r) => `${r.method} ${r.path}`))}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
