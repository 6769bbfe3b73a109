/**
 * Key layout of partition ownership under a caller-chosen prefix:
 *
 *   {prefix}/partitions          the partition count, written once by the first member
 *   {prefix}/members/{memberId}  one per live member, under that member's lease
 *   {prefix}/owners/{partition}  the partition's owner (member id), under the owner's lease
 */
export interface ClusterKeys {
  root: string;
  partitionCount: string;
  membersPrefix: string;
  ownersPrefix: string;
  member(id: string): string;
  owner(partition: number): string;
  /** The partition an owner key names, or undefined for any other key. */
  partitionOfOwnerKey(key: string): number | undefined;
  /** The member id a member key names, or undefined for any other key. */
  memberOfKey(key: string): string | undefined;
}

export function clusterKeys(prefix: string): ClusterKeys {
  const root = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const membersPrefix = `${root}members/`;
  const ownersPrefix = `${root}owners/`;
  return {
    root,
    partitionCount: `${root}partitions`,
    membersPrefix,
    ownersPrefix,
    member: (id) => `${membersPrefix}${id}`,
    owner: (partition) => `${ownersPrefix}${partition}`,
    partitionOfOwnerKey(key) {
      if (!key.startsWith(ownersPrefix)) return undefined;
      const text = key.slice(ownersPrefix.length);
      return /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : undefined;
    },
    memberOfKey(key) {
      return key.startsWith(membersPrefix) ? key.slice(membersPrefix.length) : undefined;
    },
  };
}
