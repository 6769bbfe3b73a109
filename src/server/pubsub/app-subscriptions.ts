import { fetchErrorDetail } from './fetch-error.js';
/** One programmatic subscription an app announces at `GET /dapr/subscribe`. */
export interface TopicSubscription {
  pubsubName: string;
  topic: string;
  /** The path messages are POSTed to, with a leading `/`. */
  route: string;
}

/** Largest `/dapr/subscribe` answer read, and most subscriptions taken from it. */
export const MAX_SUBSCRIBE_BODY_BYTES = 1024 * 1024;
export const MAX_SUBSCRIPTIONS_PER_APP = 256;

/** What asking an app for its subscriptions came to. */
export type SubscribeAnswer =
  | { kind: 'ok'; subscriptions: TopicSubscription[]; ignored: string[] }
  | { kind: 'unreachable'; detail: string };

/**
 * Asks the app at `appUrl` for its programmatic subscriptions, as Dapr's sidecar does when it
 * starts: `GET {appUrl}/dapr/subscribe`, a JSON array of `{pubsubname, topic, route}` (or
 * `routes.default`; routing rules are not evaluated). An app that answers 404 subscribes to
 * nothing. Declarative subscriptions (component files) are not read.
 */
export async function fetchSubscriptions(
  appUrl: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<SubscribeAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${appUrl}/dapr/subscribe`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    text = await readBounded(response);
  } catch (error) {
    return { kind: 'unreachable', detail: fetchErrorDetail(error) };
  }
  if (response.status === 404) return { kind: 'ok', subscriptions: [], ignored: [] };
  if (!response.ok) return { kind: 'unreachable', detail: `the app answered ${response.status}` };
  let list: unknown;
  try {
    list = JSON.parse(text === '' ? '[]' : text);
  } catch {
    return { kind: 'ok', subscriptions: [], ignored: ['the answer is not JSON'] };
  }
  if (!Array.isArray(list))
    return { kind: 'ok', subscriptions: [], ignored: ['the answer is not a JSON array'] };
  const subscriptions: TopicSubscription[] = [];
  const ignored: string[] = [];
  for (const item of list as unknown[]) {
    const s = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const routes = (typeof s['routes'] === 'object' && s['routes'] !== null ? s['routes'] : {}) as Record<
      string,
      unknown
    >;
    const route = typeof s['route'] === 'string' ? s['route'] : routes['default'];
    if (typeof s['pubsubname'] !== 'string' || typeof s['topic'] !== 'string' || typeof route !== 'string') {
      ignored.push(`${JSON.stringify(item)}: needs pubsubname, topic and route (or routes.default)`);
      continue;
    }
    if (subscriptions.length >= MAX_SUBSCRIPTIONS_PER_APP) {
      ignored.push(`${s['pubsubname']}/${s['topic']}: more than ${MAX_SUBSCRIPTIONS_PER_APP} subscriptions`);
      continue;
    }
    subscriptions.push({
      pubsubName: s['pubsubname'],
      topic: s['topic'],
      route: route.startsWith('/') ? route : `/${route}`,
    });
  }
  return { kind: 'ok', subscriptions, ignored };
}

async function readBounded(response: Response): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_SUBSCRIBE_BODY_BYTES) {
    await response.body?.cancel();
    throw new Error(`the /dapr/subscribe answer is larger than ${MAX_SUBSCRIBE_BODY_BYTES} bytes`);
  }
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_SUBSCRIBE_BODY_BYTES) {
    throw new Error(`the /dapr/subscribe answer is larger than ${MAX_SUBSCRIBE_BODY_BYTES} bytes`);
  }
  return text;
}
