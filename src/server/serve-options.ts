import type { ClusterLayout } from '../etcd/cluster-layout.js';
import type { EtcdCredentials } from '../etcd/etcd-credentials.js';
import { TickflowError } from '../common/tickflow-error.js';

/** What `startServer` (and `tickflow serve`, flag by flag) takes. */
export interface ServeOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Default 3500 (Dapr's HTTP port); 0 picks a free port (see `TickflowServer.port`). */
  port?: number;
  /**
   * The gRPC API's port (Dapr's Jobs methods, health, reflection). Default 50001 (Dapr's gRPC
   * port); 0 picks a free port (see `TickflowServer.grpcPort`); `false` serves no gRPC. It listens
   * on `host`, with the same token and TLS as HTTP.
   */
  grpcPort?: number | false;
  /**
   * Serve Dapr's Scheduler API (`dapr.proto.scheduler.v1.Scheduler`, for daprd sidecars) on this
   * port; 0 picks a free one; undefined (default) serves none (docs/dapr-scheduler.md).
   */
  schedulerGrpcPort?: number;
  /**
   * The `host:port` the Scheduler API publishes for `WatchHosts` (sidecars dial it); default
   * `host` and the port, a wildcard host becoming this machine's host name.
   */
  schedulerAdvertiseAddress?: string;
  /** `'embedded'` (default) runs etcd as a child process; otherwise the client URLs of a cluster. */
  etcd?: 'embedded' | string[];
  /**
   * Embedded HA: the embedded etcd is this replica's member of a cluster of replicas (each started
   * with the same layout); see docs/operations-ha.md.
   */
  etcdCluster?: { layout: ClusterLayout; state: 'new' | 'existing'; password: string };
  /** State of the embedded etcd lives in `{dataDir}/etcd`. Default `.tickflow`. */
  dataDir?: string;
  /**
   * Where job triggers go: with `appProtocol` `http`, base URLs (`POST {appUrl}/job/{name}`); with
   * `grpc`/`grpcs`, `host:port` of the app's gRPC server (`OnJobEventAlpha1`). Several (an array,
   * or comma-separated) are instances of one app, load-balanced. Without it triggers stay staged.
   */
  appUrl?: string | readonly string[];
  /** How triggers reach the app: `http` (default), `grpc` or `grpcs` (Dapr's `--app-protocol`). */
  appProtocol?: string;
  /** An ES module exporting `workflows` and `activities` objects. */
  workflowsModule?: string;
  appId?: string;
  namespace?: string;
  /** Deadline of one job callback to the app. Default 10 s. */
  appTimeoutMs?: number;
  /** Lease TTL of this replica's partitions. */
  leaseTtlSeconds?: number;
  /**
   * The zone of cron jobs without `CRON_TZ=`: `'local'` (default, the server's zone), `'UTC'` or
   * an IANA name; stored with each job when it is scheduled (see docs/jobs-api.md, "Time zones").
   */
  cronTimeZone?: string;
  /** Warnings and server errors, one line each. */
  log?: (line: string) => void;
  /** Every route but health requires this token in `dapr-api-token` (Dapr's `DAPR_API_TOKEN`). */
  apiToken?: string;
  /** Sent to the app in `dapr-api-token` with every callback (Dapr's `APP_API_TOKEN`). */
  appApiToken?: string;
  /** PEM file of the CA that signed an https app's certificate (else Node's trusted CAs). */
  appCaFile?: string;
  /** Allows a non-loopback `host` without an API token (anyone who can reach it may do anything). */
  insecure?: boolean;
  /** TLS and user/password for an external etcd (`etcd` given as https:// URLs). */
  etcdCredentials?: EtcdCredentials;
  /** PEM files for HTTPS: certificate and key; with `caFile`, clients need a certificate it signed. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /**
   * For an external etcd (`etcd` URLs): also defragment it and clear its NOSPACE alarm. Default
   * off: sizes, metrics and the 80 % warning only. The embedded etcd always gets all of it.
   */
  etcdMaintenance?: { defragment?: boolean; recover?: boolean };
  /** Pub/sub components, `name=redis://host:port` each (`--pubsub`; docs/jobs-api.md). */
  pubsub?: readonly string[];
  /** Apps that invocation jobs call, `app-id=url` each (`--app`); they may subscribe to topics too. */
  apps?: readonly string[];
}

/** Bad serve options or a failed start; the message is one line fit for a terminal. */
export class ServeError extends TickflowError {
  override name = 'ServeError';
}
