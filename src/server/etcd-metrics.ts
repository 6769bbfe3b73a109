import type { EtcdCredentials } from '../etcd/etcd-credentials.js';
import {
  describeDefrag,
  describeRecovery,
  EtcdMaintenance,
  type EtcdMaintenanceOptions,
} from '../etcd/etcd-maintenance.js';
import type { WorkflowRuntime } from '../workflow-runtime.js';
import { CallbackGauge, Counter, type MetricsRegistry } from './prometheus.js';

export interface EtcdUpkeepOptions {
  registry: MetricsRegistry;
  log: (line: string) => void;
  /** Its store errors are watched: a write refused for lack of space starts a recovery at once. */
  runtime: WorkflowRuntime;
  /** The embedded etcd's upkeep, if this server started etcd (it already runs; etcd's stop ends it). */
  embedded: EtcdMaintenance | undefined;
  /** Client URLs of an external cluster, watched by an upkeep of our own. */
  hosts: string[];
  /**
   * For an external cluster: whether to defragment and to clear a NOSPACE alarm as well. Default
   * off (sizes and the 80 % warning only): an external cluster usually has an operator, and more
   * than one replica defragmenting it would not take turns.
   */
  external?: Pick<EtcdMaintenanceOptions, 'defragment' | 'recover'>;
  /** TLS and auth of the external cluster (the same the runtime connects with). */
  credentials?: EtcdCredentials;
}

export interface EtcdUpkeep {
  readonly maintenance: EtcdMaintenance;
  stop(): Promise<void>;
}

/**
 * Hooks the etcd backend upkeep into a server: its lines and warnings go to the server log, its
 * last Status sample to `/metrics`, and the runtime's store errors to it.
 */
export async function attachEtcdUpkeep(options: EtcdUpkeepOptions): Promise<EtcdUpkeep> {
  const { log, runtime } = options;
  const own =
    options.embedded === undefined
      ? new EtcdMaintenance({
          hosts: options.hosts,
          ...options.credentials,
          defragment: options.external?.defragment ?? false,
          recover: options.external?.recover ?? false,
        })
      : undefined;
  const maintenance = options.embedded ?? own;
  if (!maintenance) throw new Error('unreachable: no etcd maintenance');
  registerEtcdMetrics(options.registry, maintenance);
  const onWarning = (error: Error): void => log(`warning: ${error.message}`);
  const onDefrag = (report: Parameters<typeof describeDefrag>[0]): void => log(describeDefrag(report));
  const onRecovery = (report: Parameters<typeof describeRecovery>[0]): void => log(describeRecovery(report));
  const onStoreError = (error: Error): void => maintenance.noticeError(error);
  maintenance.on('warning', onWarning);
  maintenance.on('defragmented', onDefrag);
  maintenance.on('recovered', onRecovery);
  runtime.on('warning', onStoreError);
  runtime.timers.on('warning', onStoreError);
  await own?.start();
  return {
    maintenance,
    async stop() {
      runtime.off('warning', onStoreError);
      runtime.timers.off('warning', onStoreError);
      await own?.stop();
      maintenance.off('warning', onWarning);
      maintenance.off('defragmented', onDefrag);
      maintenance.off('recovered', onRecovery);
    },
  };
}

/** Backend size against the quota, per member, from the upkeep's last Status sample. */
export function registerEtcdMetrics(registry: MetricsRegistry, maintenance: EtcdMaintenance): void {
  const members = () => maintenance.lastSample?.members ?? [];
  registry.register(
    new CallbackGauge(
      'tickflow_etcd_db_size_bytes',
      'Size of the etcd backend file per member (what the quota is checked against), at the last poll.',
      () => members().map((m) => ({ labels: { member: m.name }, value: m.dbSize })),
    ),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_etcd_db_size_in_use_bytes',
      'Bytes of the etcd backend holding live data per member; the rest is what a defragmentation gives back.',
      () => members().map((m) => ({ labels: { member: m.name }, value: m.dbSizeInUse })),
    ),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_etcd_quota_bytes',
      'etcd --quota-backend-bytes: at this backend size etcd raises NOSPACE and refuses writes.',
      () => {
        const quota = maintenance.quotaBytes;
        return quota === undefined ? [] : [{ labels: {}, value: quota }];
      },
    ),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_etcd_nospace_alarm',
      '1 while a NOSPACE alarm is raised on some etcd member (every write is refused).',
      () => [{ labels: {}, value: (maintenance.lastSample?.noSpaceAlarms.length ?? 0) > 0 ? 1 : 0 }],
    ),
  );
  const defrags = registry.register(
    new Counter('tickflow_etcd_defragmentations_total', 'etcd member defragmentations run by this process.'),
  );
  const recoveries = registry.register(
    new Counter(
      'tickflow_etcd_nospace_recoveries_total',
      'NOSPACE recoveries run by this process, by outcome.',
    ),
  );
  maintenance.on('defragmented', (report) => defrags.inc({ member: report.member }));
  maintenance.on('recovered', (report) =>
    recoveries.inc({ result: report.disarmed ? 'disarmed' : 'still_full' }),
  );
}
