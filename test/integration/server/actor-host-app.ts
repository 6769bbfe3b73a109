import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One remind call as the app received it. */
export interface RemindCall {
  actorType: string;
  actorId: string;
  name: string;
  method: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** Epoch ms when it arrived. */
  at: number;
}

/**
 * A plain HTTP app that hosts actor types as a Dapr app announces them (`GET /dapr/config` answers
 * `{"entities": [...]}`) and records every `PUT /actors/{type}/{id}/method/remind/{name}`. Waiting
 * for calls is event-driven (no polling).
 */
export class ActorHostApp {
  readonly calls: RemindCall[] = [];
  readonly #entities: readonly string[];
  #server: Server | undefined;
  #port = 0;
  #waiters: Array<() => void> = [];

  private constructor(entities: readonly string[]) {
    this.#entities = entities;
  }

  static async start(entities: readonly string[]): Promise<ActorHostApp> {
    const app = new ActorHostApp(entities);
    await app.listen();
    return app;
  }

  /** Listens on 127.0.0.1 (the port of the first start again after `close()`: the app comes back). */
  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        if (req.url === '/dapr/config') {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ entities: this.#entities }));
          return;
        }
        const match = /^\/actors\/([^/]+)\/([^/]+)\/method\/remind\/([^/]+)$/.exec(req.url ?? '');
        if (!match) {
          res.writeHead(200).end('actor host');
          return;
        }
        this.#record({
          actorType: decodeURIComponent(match[1] ?? ''),
          actorId: decodeURIComponent(match[2] ?? ''),
          name: decodeURIComponent(match[3] ?? ''),
          method: req.method ?? '',
          body: text === '' ? undefined : (JSON.parse(text) as unknown),
          headers: req.headers,
          at: Date.now(),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The calls for reminder `name`. */
  callsFor(name: string): RemindCall[] {
    return this.calls.filter((c) => c.name === name);
  }

  /** Resolves once `count` calls for reminder `name` arrived. */
  async waitFor(name: string, count: number): Promise<RemindCall[]> {
    while (this.callsFor(name).length < count) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.callsFor(name);
  }

  close(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();
    this.#server = undefined;
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  #record(call: RemindCall): void {
    this.calls.push(call);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
