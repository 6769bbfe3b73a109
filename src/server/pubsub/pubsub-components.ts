import { parseDuration } from '../../timers/schedule/duration.js';
import type { PubSubBroker } from './pubsub-broker.js';
import { PubSubConfigError } from './pubsub-errors.js';
import { RedisStreamsBroker, type RedisStreamsOptions } from './redis-streams-broker.js';

/** One `--pubsub name=url` value, checked. */
export interface PubSubComponentSpec {
  name: string;
  /** The broker's URL without tickflow's options. */
  url: string;
  maxLenApprox: number;
  redeliverIntervalMs: number;
  readCount: number;
}

/** How many pub/sub components one server runs (each holds connections and read loops). */
export const MAX_PUBSUB_COMPONENTS = 16;
/** Defaults of the Redis Streams options (see docs/jobs-api.md, "Pub/sub with Redis"). */
export const REDIS_DEFAULTS = { maxLenApprox: 100_000, redeliverIntervalMs: 15_000, readCount: 10 } as const;
const READ_COUNT_MAX = 100;
const MAX_LEN_MAX = 100_000_000;

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SPEC_ALLOWED =
  'name=redis://host:port[/db][?maxLenApprox=N&redeliverInterval=15s&readCount=10], ' +
  'e.g. pubsub=redis://127.0.0.1:6379; the name is 1-64 letters, digits, ".", "_" or "-"';

/**
 * The components from `--pubsub` values (`name=redis://host:port`; repeatable), checked up front
 * so a typo costs no etcd start. Throws `PubSubConfigError`.
 */
export function parsePubSubComponents(values: readonly string[]): PubSubComponentSpec[] {
  if (values.length > MAX_PUBSUB_COMPONENTS) {
    throw invalid('--pubsub', `${values.length} components`, `at most ${MAX_PUBSUB_COMPONENTS}`);
  }
  const seen = new Set<string>();
  return values.map((text) => {
    const eq = text.indexOf('=');
    const name = eq < 0 ? '' : text.slice(0, eq);
    let url: URL | undefined;
    try {
      url = new URL(text.slice(eq + 1));
    } catch {
      url = undefined;
    }
    if (!NAME.test(name) || url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
      throw invalid('--pubsub', text, SPEC_ALLOWED);
    }
    if (seen.has(name)) throw invalid('--pubsub', text, `each component name once (${name} is given twice)`);
    seen.add(name);
    const options = { ...REDIS_DEFAULTS } as {
      maxLenApprox: number;
      redeliverIntervalMs: number;
      readCount: number;
    };
    for (const [key, value] of url.searchParams) {
      if (key === 'maxLenApprox') options.maxLenApprox = integer(text, key, value, 1, MAX_LEN_MAX);
      else if (key === 'readCount') options.readCount = integer(text, key, value, 1, READ_COUNT_MAX);
      else if (key === 'redeliverInterval') options.redeliverIntervalMs = duration(text, value);
      else throw invalid(`--pubsub ${name}: ${key}`, value, 'maxLenApprox, redeliverInterval or readCount');
    }
    url.search = '';
    return { name, url: url.toString(), ...options };
  });
}

/** The brokers of the given components (connecting in the background). */
export function createBrokers(
  specs: readonly PubSubComponentSpec[],
  common: Pick<RedisStreamsOptions, 'maxMessageBytes' | 'log'> & {
    onError?: (pubsub: string, error: Error) => void;
  },
): Map<string, PubSubBroker> {
  const brokers = new Map<string, PubSubBroker>();
  for (const spec of specs) {
    const { onError } = common;
    brokers.set(
      spec.name,
      new RedisStreamsBroker({
        ...spec,
        maxMessageBytes: common.maxMessageBytes,
        ...(common.log !== undefined && { log: common.log }),
        ...(onError !== undefined && { onError: (error: Error) => onError(spec.name, error) }),
      }),
    );
  }
  return brokers;
}

function integer(text: string, key: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw invalid(`--pubsub ${text.split('=')[0] ?? ''}: ${key}`, value, `an integer from ${min} to ${max}`);
  }
  return n;
}

function duration(text: string, value: string): number {
  try {
    const ms = parseDuration(value, 'redeliverInterval');
    if (ms >= 10) return ms;
  } catch {
    // Reported below, with the flag's name.
  }
  throw invalid(
    `--pubsub ${text.split('=')[0] ?? ''}: redeliverInterval`,
    value,
    'a Go duration of at least 10ms, e.g. 15s',
  );
}

function invalid(field: string, value: unknown, allowed: string): PubSubConfigError {
  return new PubSubConfigError(undefined, { invalid: { field, value, allowed } });
}
