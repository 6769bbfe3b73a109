import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One job callback as the app received it. */
export interface Callback {
  name: string;
  body: string;
  contentType: string | undefined;
  /** Epoch ms when the request arrived. */
  at: number;
}

/**
 * A small HTTP app that records `POST /job/{name}` callbacks. Its answer depends on the job
 * name, so one app serves every scenario: `fail500-*` → 500, `gone404-*` → 404, anything else 200.
 */
export class RecorderApp {
  readonly calls: Callback[] = [];
  #server: Server | undefined;
  #port: number;
  #waiters: Array<() => void> = [];

  private constructor(port: number) {
    this.#port = port;
  }

  /** Listens on 127.0.0.1:`port` (0: a free port). */
  static async start(port = 0): Promise<RecorderApp> {
    const app = new RecorderApp(port);
    await app.listen();
    return app;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** (Re)opens the same port, e.g. after `close()` to simulate an app coming back. */
  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const match = /^\/job\/(.+)$/.exec(req.url ?? '');
        if (req.method !== 'POST' || !match?.[1]) {
          res.writeHead(200).end('recorder');
          return;
        }
        const name = decodeURIComponent(match[1]);
        this.calls.push({ name, body, contentType: req.headers['content-type'], at: Date.now() });
        const status = name.startsWith('fail500-') ? 500 : name.startsWith('gone404-') ? 404 : 200;
        res.writeHead(status, { connection: 'close' }).end();
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

  callsFor(name: string): Callback[] {
    return this.calls.filter((c) => c.name === name);
  }

  /** Resolves with the callbacks for `name` once there are at least `count`; rejects after the timeout. */
  async waitForCalls(name: string, count: number, timeoutMs = 20_000): Promise<Callback[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const calls = this.callsFor(name);
      if (calls.length >= count) return calls;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${count} callbacks of ${name}; got ${calls.length}`);
      }
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
