import { InvalidArgumentError, type Command } from 'commander';
import { parseClusterLayout } from '../../etcd/cluster-layout.js';
import { addEtcdCredentialOptions, readEtcdCredentials } from '../etcd-credential-flags.js';
import type { ServeOptions, TickflowServer } from '../../server/tickflow-server.js';
import { ExitCode } from '../cli-error.js';
import { apiTokenFrom } from '../context.js';
import type { CliIo } from '../output.js';
import { parseEtcdOption, parseHttpUrl, parsePort, parsePositiveNumber } from '../parse.js';
import { parseCronTimeZone } from '../parse-cron-time-zone.js';

interface ServeFlags {
  port: number;
  grpcPort: number;
  /** False with --no-grpc. */
  grpc: boolean;
  /** Dapr's Scheduler API port; undefined: not served. */
  schedulerGrpcPort?: number;
  schedulerAdvertiseAddress?: string;
  host: string;
  etcd: 'embedded' | string[];
  dataDir: string;
  /** Every --app-url given, each possibly comma-separated. */
  appUrl?: string[];
  appProtocol: string;
  workflows?: string;
  appId: string;
  namespace: string;
  appTimeout: number;
  cronTimeZone?: string;
  etcdRecover?: boolean;
  appApiToken?: string;
  insecure?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  appCa?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
  etcdPassword?: string;
  /** Every --pubsub given. */
  pubsub?: string[];
  /** Every --app given. */
  app?: string[];
  /** Embedded HA: this replica's member name, the members' peer URLs, and the rest. */
  id?: string;
  initialCluster?: string;
  initialClusterState?: string;
  etcdClientPorts?: string;
  replicaCount?: number;
}

/** `tickflow serve`: runs until SIGINT/SIGTERM, then shuts down gracefully (a second signal exits at once). */
export function registerServeCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const serveCommand = program
    .command('serve')
    .description(
      'run etcd (or connect to it), a timer-service replica, the workflow runtime and the HTTP API',
    )
    .option('--port <port>', 'HTTP port (0 picks a free one)', parsePort, 3500)
    .option(
      '--grpc-port <port>',
      "gRPC port: Dapr's Jobs methods, health, reflection (0 picks a free one)",
      parsePort,
      50001,
    )
    .option('--no-grpc', 'serve no gRPC API')
    .option(
      '--scheduler-grpc-port <port>',
      "serve Dapr's Scheduler API for daprd sidecars on this port (Dapr's is 50006; 0 picks a free one; default: not served)",
      parsePort,
    )
    .option(
      '--scheduler-advertise-address <host:port>',
      'the address WatchHosts gives sidecars for this replica (default: --host and the port; a wildcard host: the host name)',
      parseHostPort,
    )
    .option('--host <host>', 'interface to listen on (HTTP and gRPC)', '127.0.0.1')
    .option('--etcd <where>', '"embedded", or etcd client URLs, comma-separated', parseEtcdOption, 'embedded')
    .option('--data-dir <dir>', 'where the embedded etcd keeps its data', '.tickflow')
    .option(
      '--initial-cluster <members>',
      "embedded HA: every replica's etcd member as name=http://host:peer-port, comma-separated " +
        '(the same on every replica; root password from $TICKFLOW_ETCD_PASSWORD)',
    )
    .option('--id <name>', "embedded HA: this replica's name in --initial-cluster")
    .option(
      '--initial-cluster-state <state>',
      'embedded HA: new (the members form a cluster together) or existing (join a running one)',
      'new',
    )
    .option(
      '--etcd-client-ports <ports>',
      "embedded HA: name=port of each member's etcd client port (default 2379 for each)",
    )
    .option(
      '--replica-count <n>',
      'embedded HA: how many members --initial-cluster must list',
      parsePositiveNumber,
    )
    .option(
      '--app-url <url>',
      'job triggers go to POST {url}/job/{name} (gRPC: host:port); repeat or comma-separate for ' +
        'several instances, load-balanced (without it triggers stay staged)',
      collectAppUrl,
    )
    .option(
      '--app-protocol <protocol>',
      "how triggers reach the app: http, or grpc/grpcs (the app's AppCallbackAlpha.OnJobEventAlpha1)",
      'http',
    )
    .option(
      '--pubsub <name=url>',
      'a pub/sub component for publish jobs and /v1.0/publish, e.g. pubsub=redis://127.0.0.1:6379 ' +
        '(Redis Streams); repeat for several',
      collect,
    )
    .option(
      '--app <app-id=url>',
      'an app that invoke jobs call ({url}/{method}) and that may subscribe to topics, e.g. ' +
        'orders=http://127.0.0.1:3001; repeat for several',
      collect,
    )
    .option('--workflows <module>', 'ES module (.js or .ts) exporting `workflows` and `activities` objects')
    .option('--app-id <id>', 'app id: jobs and workflows are scoped by namespace and app id', 'tickflow')
    .option('--namespace <namespace>', 'namespace', 'default')
    .option('--app-timeout <seconds>', 'deadline of one job callback to the app', parsePositiveNumber, 10)
    .option(
      '--cron-time-zone <zone>',
      'zone of cron jobs without CRON_TZ=: local (default: $TZ, else the system zone), UTC or an IANA name',
      parseCronTimeZone,
    )
    .option(
      '--etcd-recover',
      'also defragment an external etcd and clear its NOSPACE alarm (the embedded etcd always is)',
    )
    .option(
      '--app-api-token <token>',
      'sent to the app as dapr-api-token with every callback (default: $APP_API_TOKEN)',
    )
    .option('--app-ca <file>', "PEM CA that signed an https app's certificate (else Node's trusted CAs)")
    .option('--insecure', 'allow a non-loopback --host without an API token')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'require client certificates signed by this PEM CA (mutual TLS)');
  addEtcdCredentialOptions(serveCommand).action(async (flags: ServeFlags, command: Command) => {
    // --api-token is the program's option (client commands send it too).
    const { apiToken } = command.optsWithGlobals<{ apiToken?: string }>();
    setExitCode(await serve(flags, apiTokenFrom(apiToken), io));
  });
}

async function serve(flags: ServeFlags, apiToken: string | undefined, io: CliIo): Promise<number> {
  const appApiToken = flags.appApiToken ?? (process.env['APP_API_TOKEN'] || undefined);
  const options: ServeOptions = {
    host: flags.host,
    port: flags.port,
    grpcPort: flags.grpc ? flags.grpcPort : false,
    ...(flags.schedulerGrpcPort !== undefined && { schedulerGrpcPort: flags.schedulerGrpcPort }),
    ...(flags.schedulerAdvertiseAddress !== undefined && {
      schedulerAdvertiseAddress: flags.schedulerAdvertiseAddress,
    }),
    etcd: flags.etcd,
    dataDir: flags.dataDir,
    appId: flags.appId,
    namespace: flags.namespace,
    appTimeoutMs: flags.appTimeout * 1000,
    log: (line) => io.err(`${line}\n`),
    appProtocol: flags.appProtocol,
    ...(flags.appUrl !== undefined && { appUrl: flags.appUrl }),
    ...(flags.pubsub !== undefined && { pubsub: flags.pubsub }),
    ...(flags.app !== undefined && { apps: flags.app }),
    ...(flags.cronTimeZone !== undefined && { cronTimeZone: flags.cronTimeZone }),
    ...(flags.workflows !== undefined && { workflowsModule: flags.workflows }),
    ...(flags.etcdRecover === true && { etcdMaintenance: { defragment: true, recover: true } }),
    ...(apiToken !== undefined && { apiToken }),
    ...(appApiToken !== undefined && { appApiToken }),
    ...(flags.insecure === true && { insecure: true }),
    ...(flags.appCa !== undefined && { appCaFile: flags.appCa }),
    ...(flags.tlsCert !== undefined &&
      flags.tlsKey !== undefined && {
        tls: {
          certFile: flags.tlsCert,
          keyFile: flags.tlsKey,
          ...(flags.tlsCa !== undefined && { caFile: flags.tlsCa }),
        },
      }),
  };
  try {
    const cluster = embeddedCluster(flags);
    if (cluster !== undefined) options.etcdCluster = cluster;
    else {
      const etcdCredentials = readEtcdCredentials(flags);
      if (etcdCredentials !== undefined) options.etcdCredentials = etcdCredentials;
    }
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.usage;
  }
  if (
    (flags.tlsCert === undefined) !== (flags.tlsKey === undefined) ||
    (flags.tlsCa !== undefined && flags.tlsCert === undefined)
  ) {
    io.err('error: --tls-cert and --tls-key go together (and --tls-ca needs both)\n');
    return ExitCode.usage;
  }
  // Signals during startup also count: the first one stops the server as soon as it is up.
  let signalled: NodeJS.Signals | undefined;
  let onFirstSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      io.err(`received ${signal} again; exiting now\n`);
      process.exit(ExitCode.failure);
    }
    signalled = signal;
    io.err(`received ${signal}; shutting down (send it again to exit at once)\n`);
    onFirstSignal?.(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Loaded on demand: client commands should not pay for fastify, etcd3 and the runtime.
    const { startServer } = await import('../../server/tickflow-server.js');
    const server = await startServer(options);
    io.out(`${describe(server, flags)}\n`);
    if (!signalled) await new Promise<void>((resolve) => (onFirstSignal = () => resolve()));
    await server.stop();
    io.err('tickflow stopped\n');
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function describe(server: TickflowServer, flags: ServeFlags): string {
  const etcd = server.etcd
    ? `embedded etcd ${server.etcd.hosts.join(',')} (pid ${server.etcd.pid})`
    : `etcd ${String(flags.etcd)}`;
  const app =
    flags.appUrl === undefined
      ? 'no app (job triggers are staged)'
      : `app ${flags.appUrl.join(',')}${flags.appProtocol === 'http' ? '' : ` (${flags.appProtocol})`}`;
  const wf = server.runtime.registeredWorkflows.length;
  const act = server.runtime.registeredActivities.length;
  const host = new URL(server.url).hostname;
  const grpc = server.grpcPort === undefined ? 'no gRPC' : `gRPC on ${host}:${server.grpcPort}`;
  const scheduler =
    server.schedulerGrpcPort === undefined ? '' : `; Dapr Scheduler on ${host}:${server.schedulerGrpcPort}`;
  const cronZone = server.runtime.timers.cronTimeZone;
  const zone =
    cronZone === undefined
      ? 'cron without CRON_TZ refused: TZ has no IANA name (set one, or --cron-time-zone)'
      : `cron without CRON_TZ in ${cronZone}`;
  return `tickflow listening on ${server.url}; ${grpc}${scheduler}; ${etcd}; ${app}; ${wf} workflows, ${act} activities; ${zone}`;
}

/** A repeatable option: every value given, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * One --app-url value (maybe several, comma-separated), added to those given before. A URL is
 * checked here (scheme, ports fetch refuses); a `host:port` is left for the server to check
 * against --app-protocol, which commander may not have parsed yet.
 */
function collectAppUrl(value: string, previous: string[] | undefined): string[] {
  for (const part of value.split(',')) {
    const text = part.trim();
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) parseHttpUrl(text);
    else if (!/^(\[[0-9a-f:.]+\]|[^:/[\]\s]+):\d+$/i.test(text)) {
      throw new InvalidArgumentError(
        'Expected an http:// or https:// URL, e.g. http://127.0.0.1:3000 (or host:port with --app-protocol grpc).',
      );
    }
  }
  return [...(previous ?? []), value];
}

/**
 * The embedded-HA flags as the server's cluster options; undefined without --initial-cluster.
 * Throws a message naming the flag when they do not fit together.
 */
function embeddedCluster(flags: ServeFlags): ServeOptions['etcdCluster'] {
  const given = ['id', 'etcdClientPorts', 'replicaCount'] as const;
  if (flags.initialCluster === undefined) {
    const stray = given.find((flag) => flags[flag] !== undefined);
    if (stray !== undefined) throw new Error(`--${kebab(stray)} needs --initial-cluster (embedded HA)`);
    return undefined;
  }
  if (flags.etcd !== 'embedded')
    throw new Error('--initial-cluster runs embedded etcd members: leave out --etcd');
  if (flags.id === undefined) throw new Error('--initial-cluster needs --id: the name of this replica in it');
  const state = flags.initialClusterState ?? 'new';
  if (state !== 'new' && state !== 'existing') {
    throw new Error(`invalid --initial-cluster-state: ${JSON.stringify(state)}; allowed: new or existing`);
  }
  const password = flags.etcdPassword ?? (process.env['TICKFLOW_ETCD_PASSWORD'] || undefined);
  if (password === undefined) {
    throw new Error(
      "embedded HA needs the root password of the members' etcd auth, the same on every replica: " +
        'set TICKFLOW_ETCD_PASSWORD (e.g. to `openssl rand -base64 24`)',
    );
  }
  const layout = parseClusterLayout({
    id: flags.id,
    initialCluster: flags.initialCluster,
    ...(flags.etcdClientPorts !== undefined && { clientPorts: flags.etcdClientPorts }),
    ...(flags.replicaCount !== undefined && { replicaCount: flags.replicaCount }),
  });
  return { layout, state, password };
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `host:port` (an IPv6 host in brackets), as a sidecar dials it. */
function parseHostPort(value: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]\s]+):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new InvalidArgumentError('Expected host:port, e.g. scheduler-0.scheduler:50006 or [::1]:50006.');
  }
  return value;
}
