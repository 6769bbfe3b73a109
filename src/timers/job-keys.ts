/**
 * etcd layout of the timer service (one scope = namespace + appId; all of it in docs/architecture.md):
 *
 *   /tickflow/{ns}/{app}/timers/jobs/{pp}/{name}      JobRecord (JSON); its mod revision is the job's identity
 *   /tickflow/{ns}/{app}/timers/progress/{pp}/{name}  JobProgress (JSON); written only if the job's
 *                                                      mod revision is unchanged, tagged with it
 *   /tickflow/{ns}/{app}/timers/cluster/...           partition ownership (members, owners, count)
 *
 * `pp` is the job's partition, zero-padded so each partition is one contiguous key range that its
 * owner can list and watch on its own. The partition derives from the job's partition key (the
 * name unless the caller groups jobs, e.g. all reminders of one workflow instance).
 */
export interface ScopeKeys {
  readonly root: string;
  readonly jobsRoot: string;
  readonly clusterPrefix: string;
  jobsPrefix(partition: number): string;
  progressPrefix(partition: number): string;
  jobKey(partition: number, name: string): string;
  progressKey(partition: number, name: string): string;
  /** Name of the job stored at `key`, and its partition, or undefined for keys that are not jobs. */
  parseJobKey(key: string): { partition: number; name: string } | undefined;
}

const SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;

export function scopeKeys(namespace: string, appId: string): ScopeKeys {
  for (const [field, value] of [
    ['namespace', namespace],
    ['appId', appId],
  ] as const) {
    if (!SEGMENT.test(value)) {
      throw new TypeError(
        `invalid ${field}: ${JSON.stringify(value)}; allowed: 1-128 characters of letters, digits, '.', '_' or '-'`,
      );
    }
  }
  const root = `/tickflow/${namespace}/${appId}/timers/`;
  const jobsRoot = `${root}jobs/`;
  const pad = (p: number): string => String(p).padStart(4, '0');
  return {
    root,
    jobsRoot,
    clusterPrefix: `${root}cluster/`,
    jobsPrefix: (p) => `${jobsRoot}${pad(p)}/`,
    progressPrefix: (p) => `${root}progress/${pad(p)}/`,
    jobKey: (p, name) => `${jobsRoot}${pad(p)}/${name}`,
    progressKey: (p, name) => `${root}progress/${pad(p)}/${name}`,
    parseJobKey(key) {
      if (!key.startsWith(jobsRoot)) return undefined;
      const rest = key.slice(jobsRoot.length);
      const slash = rest.indexOf('/');
      if (slash !== 4) return undefined;
      const partition = Number(rest.slice(0, 4));
      return Number.isInteger(partition) ? { partition, name: rest.slice(5) } : undefined;
    },
  };
}
