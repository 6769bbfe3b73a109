/**
 * The parts of BullMQ, ioredis and the Restate SDK this harness uses, declared here so that
 * type-checking does not depend on bench/peers being installed (peers.ts imports them).
 */

import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** An ioredis client (BullMQ takes ready clients; it duplicates them for blocking calls). */
export type RedisConnection = RedisClient;

export interface BullJobOptions {
  delay?: number;
  jobId?: string;
  removeOnComplete?: boolean;
  removeOnFail?: boolean;
}

export interface BullJob {
  name: string;
  data: unknown;
  timestamp: number;
  /** When a delayed or repeated job was due (BullMQ sets it on delayed jobs). */
  opts: BullJobOptions & { timestamp?: number; prevMillis?: number };
  delay: number;
}

export interface BullQueue {
  waitUntilReady(): Promise<unknown>;
  addBulk(jobs: Array<{ name: string; data: unknown; opts?: BullJobOptions }>): Promise<unknown[]>;
  upsertJobScheduler(
    id: string,
    repeat: { pattern: string; tz?: string },
    template: { name: string; data?: unknown; opts?: BullJobOptions },
  ): Promise<unknown>;
  close(): Promise<void>;
}

export interface BullWorker {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'failed', listener: (job: BullJob | undefined, error: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}

export interface BullModule {
  Queue: new (name: string, options: { connection: RedisConnection }) => BullQueue;
  Worker: new (
    name: string,
    processor: (job: BullJob) => Promise<unknown>,
    options: { connection: RedisConnection; concurrency: number },
  ) => BullWorker;
}

export interface RedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

export interface IoRedisModule {
  Redis: new (options: { host: string; port: number; maxRetriesPerRequest: null }) => RedisClient;
}

/** A Restate promise: awaitable, and combinable with RestatePromise.all. */
export type RestateAwaitable<T> = PromiseLike<T>;

export interface RestateContext {
  run<T>(name: string, action: () => T | Promise<T>): RestateAwaitable<T>;
  sleep(durationMs: number, name?: string): RestateAwaitable<void>;
  date: { now(): RestateAwaitable<number> };
  genericSend(call: { service: string; method: string; parameter: Uint8Array; delay?: number }): unknown;
}

export type RestateHandler = (ctx: RestateContext, input: unknown) => Promise<unknown>;

export interface RestateModule {
  service(definition: { name: string; handlers: Record<string, RestateHandler> }): unknown;
  createEndpointHandler(options: {
    services: unknown[];
  }): (request: Http2ServerRequest, response: Http2ServerResponse) => void;
  RestatePromise: { all<T>(promises: Array<RestateAwaitable<T>>): RestateAwaitable<T[]> };
}
