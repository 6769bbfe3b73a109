import type { EtcdMembers } from '../etcd/etcd-members.js';
import type { WorkflowClient } from '../workflow-client.js';
import type { WorkflowRuntime } from '../workflow-runtime.js';
import type { PubSubService } from './pubsub/pubsub-service.js';
import type { ServerMetrics } from './server-metrics.js';

/** Facts about this server that `/v1.0/metadata` reports. */
export interface ServerInfo {
  version: string;
  /** The app's instances, comma-separated, or undefined without an app. */
  appUrl: string | undefined;
  /** How triggers reach the app: `http`, `grpc` or `grpcs`. */
  appProtocol?: string;
  etcd: { embedded: boolean; hosts: string[]; pid?: number };
  /** Where `--workflows` came from, if given. */
  workflowsModule: string | undefined;
}

/** What the route modules need; built once by `startServer`. */
export interface ApiDeps {
  runtime: WorkflowRuntime;
  client: WorkflowClient;
  metrics: ServerMetrics;
  info: ServerInfo;
  /** False until the runtime has started, and again from the moment shutdown begins. */
  isReady(): boolean;
  /** The server requires an API token on every route but health (default false). */
  requiresToken?: boolean;
  /** Resolves when etcd answers a read; rejects otherwise. */
  checkStore(): Promise<void>;
  /** The pub/sub components (`--pubsub`); undefined without any. */
  pubsub?: PubSubService;
  /** The embedded cluster's etcd membership (embedded HA only). */
  etcdMembers?: EtcdMembers;
  /** The apps invocation jobs may call (`--app id=url`); undefined without any. */
  invokeApps?: { has(appId: string): boolean; readonly appIds: string[] };
}
