import { fetchBlocksPort, portOf } from '../server/fetch-blocked-ports.js';
import { InvalidArgumentError } from 'commander';

/**
 * Option parsers for commander. They throw InvalidArgumentError, which commander reports as
 * "error: option '--x <v>' argument 'y' is invalid. <reason>" and the CLI exits with code 2.
 */

export function parseJsonOption(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidArgumentError(`Not valid JSON (quote strings, e.g. '"hello"').`);
  }
}

export function parseNonNegativeInt(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError('Expected an integer >= 0.');
  }
  return value;
}

export function parsePositiveInt(text: string): number {
  const value = parseNonNegativeInt(text);
  if (value === 0) throw new InvalidArgumentError('Expected an integer >= 1.');
  return value;
}

export function parsePort(text: string): number {
  const value = parseNonNegativeInt(text);
  if (value > 65535) throw new InvalidArgumentError('Expected a port from 0 to 65535 (0 picks a free one).');
  return value;
}

export function parsePositiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError('Expected a number > 0.');
  }
  return value;
}

/** `embedded`, or comma-separated etcd client URLs (`host:port` gets `http://`). */
export function parseEtcdOption(text: string): 'embedded' | string[] {
  if (text === 'embedded') return text;
  const hosts = text
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map((h) => (/^[a-z]+:\/\//i.test(h) ? h : `http://${h}`));
  if (hosts.length === 0)
    throw new InvalidArgumentError('Expected "embedded" or etcd client URLs, comma-separated.');
  for (const host of hosts) {
    try {
      new URL(host);
    } catch {
      throw new InvalidArgumentError(`${JSON.stringify(host)} is not a URL.`);
    }
  }
  return hosts;
}

/** An http(s) URL, e.g. the app's base URL. */
export function parseHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError('Expected an http:// or https:// URL, e.g. http://127.0.0.1:3000.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('Expected an http:// or https:// URL, e.g. http://127.0.0.1:3000.');
  }
  if (fetchBlocksPort(url)) {
    throw new InvalidArgumentError(
      `Port ${portOf(url)} is one Node's fetch refuses to call ("bad port", the Fetch standard's blocked ` +
        'ports); let the app listen on another, e.g. 3000 or 8080.',
    );
  }
  return text;
}
