/**
 * Calls to the tickflow server the dashboard is served by. The API token, when the server needs
 * one, is kept in sessionStorage (gone when the tab closes) and sent in `dapr-api-token`.
 */

const TOKEN_KEY = 'tickflow.apiToken';

/** The error body every tickflow route answers with. */
export interface ErrorBody {
  errorCode: string;
  message: string;
  field?: string;
  allowed?: string;
}

/** A request the server answered with an error (or that did not reach it). */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  readonly status: number;
  readonly errorCode: string;

  constructor(status: number, errorCode: string, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** Fired on window when the server asks for a token (401). */
export const UNAUTHORIZED_EVENT = 'tickflow:unauthorized';

export function getToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function setToken(token: string | undefined): void {
  if (token === undefined || token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** `method path` with an optional JSON body; resolves with the parsed JSON answer (undefined if empty). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token !== undefined) headers['dapr-api-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiFailure(0, 'NETWORK', `the server cannot be reached (${String(error)})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = json as Partial<ErrorBody> | undefined;
    if (res.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw new ApiFailure(
      res.status,
      error?.errorCode ?? `HTTP_${res.status}`,
      error?.message ?? (text || `${res.status} ${res.statusText}`),
    );
  }
  return json as T;
}

/** Query string of the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** `/v1.0/workflows/dapr`, the instance routes of the public API. */
export const WF = '/v1.0/workflows/dapr';

/** A row of the dashboard's workflow list. */
export interface WorkflowRow {
  instanceID: string;
  workflowName: string;
  runtimeStatus: string;
  createdAt: string;
  lastUpdatedAt: string;
  customStatus?: string;
  stalled?: { errorType: string; errorMessage: string; attempts: number; since: string; nextRetryAt: string };
}

export interface WorkflowPage {
  instances: WorkflowRow[];
  continuationToken?: string;
  scanned: number;
}

export interface StatusCounts {
  counts: Record<string, number>;
  stalled: number;
  truncated: boolean;
}

/** `GET /v1.0/workflows/dapr/{id}`. */
export interface WorkflowDetail {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: string;
  properties: Record<string, string>;
}

/** One history event as the API returns it (dates as ISO strings). */
export interface HistoryEvent {
  type: string;
  timestamp: string;
  eventId?: number;
  name?: string;
  instanceId?: string;
  attempt?: number;
  fireAt?: string;
  origin?: { kind: string; eventName?: string; taskId?: number };
  failureDetails?: { errorType?: string; message?: string };
  status?: string;
  reason?: string;
  generation?: number;
  [key: string]: unknown;
}

export interface PendingTimer {
  name: string;
  kind: string;
  generation?: number;
  taskId?: number;
  dueAt?: string;
  createdAt: string;
  delivered: number;
}

export interface Job {
  name: string;
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  data?: unknown;
  failurePolicy?: unknown;
  count?: number;
  nextFireAt?: string;
  [key: string]: unknown;
}

export interface ClusterSnapshot {
  memberId: string;
  partitionCount?: number;
  replicas: Array<{
    memberId: string;
    since?: string;
    leaseAgeSeconds?: number;
    lease?: string;
    partitions: number[];
    self: boolean;
  }>;
  partitions: Array<{
    partition: number;
    owner?: string;
    claimedAtRevision?: number;
    oldestOverdueSeconds?: number;
    loading?: boolean;
  }>;
  stagedTriggers: number;
  oldestOverdueSeconds: number;
  truncated: boolean;
}

export interface MetricPoint {
  at: string;
  seconds: number;
  triggerRate: number;
  failedRate: number;
  stepRate: number;
  lateness: { p50: number; p90: number; p99: number } | null;
  staged: number;
  oldestOverdueSeconds: number;
}

export interface Metadata {
  id: string;
  namespace: string;
  runtimeVersion: string;
  workflows: { registered: string[]; activities: string[] };
}
