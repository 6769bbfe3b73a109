import { TickflowError } from '../../common/tickflow-error.js';
import { fetchBlocksPort, portOf } from '../fetch-blocked-ports.js';

/** An app other apps' jobs may invoke (and that may subscribe to topics): `--app id=url`. */
export interface RegisteredApp {
  appId: string;
  /** Base URL, no trailing slash: an invocation of method `m` goes to `{url}/m`. */
  url: string;
}

/** How many apps one server registers (each holds a connection pool and, while down, a probe). */
export const MAX_REGISTERED_APPS = 64;

/** A bad `--app` value: `field`, `value` and `allowed` say which and why. */
export class RegisteredAppError extends TickflowError {
  override name = 'RegisteredAppError';
  declare readonly field: string;
  declare readonly value: unknown;
  declare readonly allowed: string;
}

const APP_ID = /^[A-Za-z0-9._-]{1,64}$/;
const ALLOWED =
  'app-id=url, e.g. orders=http://127.0.0.1:3001; the id is 1-64 letters, digits, ".", "_" or "-", ' +
  'the URL http:// or https://';

/** The apps from `--app` values (repeatable), checked up front. Throws `RegisteredAppError`. */
export function parseRegisteredApps(values: readonly string[]): RegisteredApp[] {
  if (values.length > MAX_REGISTERED_APPS) {
    throw invalid('--app', `${values.length} apps`, `at most ${MAX_REGISTERED_APPS} apps`);
  }
  const seen = new Set<string>();
  return values.map((text) => {
    const eq = text.indexOf('=');
    const appId = eq < 0 ? '' : text.slice(0, eq);
    let url: URL | undefined;
    try {
      url = new URL(text.slice(eq + 1));
    } catch {
      url = undefined;
    }
    if (!APP_ID.test(appId) || url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw invalid('--app', text, ALLOWED);
    }
    // The app's subscriptions are read with fetch, which never connects to these ports.
    if (fetchBlocksPort(url)) {
      throw invalid('--app', text, `a port other than ${portOf(url)} (Node's fetch refuses it)`);
    }
    if (seen.has(appId)) throw invalid('--app', text, `each app id once (${appId} is given twice)`);
    seen.add(appId);
    return { appId, url: text.slice(eq + 1).replace(/\/+$/, '') };
  });
}

function invalid(field: string, value: unknown, allowed: string): RegisteredAppError {
  return new RegisteredAppError(undefined, { invalid: { field, value, allowed } });
}
