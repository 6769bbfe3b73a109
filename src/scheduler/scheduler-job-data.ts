import type { JsonValue } from '../timers/schedule/job.js';
import type { SchedulerOwner } from './scheduler-keys.js';

/** A `google.protobuf.Any` as bytes: daprd's job data, kept exactly as it was sent. */
export interface SchedulerAny {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/**
 * What a Scheduler job stores as its timer-service `data`: its owner (the metadata daprd sent,
 * which every trigger carries back) and the Any daprd sent, type URL and bytes unchanged (base64),
 * since daprd unpacks it by its type. base64 makes the Any's bytes 4/3 as large: with the timer
 * service's 1 MiB bound on `data`, an Any of up to about 760 KiB fits.
 */
export function encodeJobData(owner: SchedulerOwner, packed: SchedulerAny | undefined): JsonValue {
  const target: JsonValue =
    owner.target.kind === 'job' ? { job: {} } : { actor: { type: owner.target.type, id: owner.target.id } };
  return {
    m: { namespace: owner.namespace, appId: owner.appId, target },
    ...(packed !== undefined && {
      d: { t: packed.typeUrl, v: Buffer.from(packed.value).toString('base64') },
    }),
  };
}

/** The owner and Any of stored job data; undefined when it is not what `encodeJobData` wrote. */
export function decodeJobData(
  data: JsonValue | undefined,
): { owner: SchedulerOwner; packed: SchedulerAny | undefined } | undefined {
  if (!isObject(data) || !isObject(data['m'])) return undefined;
  const m = data['m'];
  const namespace = m['namespace'];
  const appId = m['appId'];
  const target = m['target'];
  if (typeof namespace !== 'string' || typeof appId !== 'string' || !isObject(target)) return undefined;
  let owner: SchedulerOwner;
  if (isObject(target['actor'])) {
    const { type, id } = target['actor'];
    if (typeof type !== 'string' || typeof id !== 'string') return undefined;
    owner = { namespace, appId, target: { kind: 'actor', type, id } };
  } else {
    owner = { namespace, appId, target: { kind: 'job' } };
  }
  const d = data['d'];
  let packed: SchedulerAny | undefined;
  if (isObject(d) && typeof d['t'] === 'string' && typeof d['v'] === 'string') {
    packed = { typeUrl: d['t'], value: Buffer.from(d['v'], 'base64') };
  }
  return { owner, packed };
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
