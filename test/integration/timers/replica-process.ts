/**
 * A timer-service replica in its own process, so a test can SIGKILL it (a real crash: no lease
 * revoke, no hand-over). Usage: replica-process.ts <hosts,...> <appId> <ttlSeconds> <partitions>
 * Prints one JSON line per event on stdout.
 */
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { TimerService } from '../../../src/timers/timer-service.js';

const [hosts = '', appId = '', ttl = '2', partitions = '8'] = process.argv.slice(2);
const say = (line: object): boolean => process.stdout.write(`${JSON.stringify(line)}\n`);
const kv = await connectEtcd({ hosts: hosts.split(',') });
const service = new TimerService({
  kv,
  appId,
  leaseTtlSeconds: Number(ttl),
  partitions: Number(partitions),
  memberId: `child-${process.pid}`,
});
service.on('partitionsChanged', (owned) => say({ event: 'partitions', owned }));
service.onTrigger('app', (trigger) => {
  say({
    event: 'delivered',
    name: trigger.name,
    scheduledAt: trigger.scheduledAt.getTime(),
    handlerNow: Date.now(),
    attempt: trigger.attempt,
    count: trigger.count,
  });
  return 'success';
});
await service.start();
say({ event: 'started' });
