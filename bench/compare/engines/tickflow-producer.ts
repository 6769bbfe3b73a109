/**
 * W7's producer process: schedules the one-shot timers a TickflowTimers in another process (the
 * replica, which owns every partition) sends it over IPC, through a TimerService of its own that
 * is never started (a client of the scope, as an app that only schedules jobs would be). It keeps
 * the scheduling work (validation, encoding, the etcd transactions and their answers) out of the
 * replica's RSS, and its own RSS is reported beside the replica's.
 */
import { connectEtcd, TimerService } from '../../lib/tickflow.js';
import type { ProducerReply, ProducerRequest } from './producer-protocol.js';

const [hostsArg, appId, partitionsArg] = process.argv.slice(2);
const kv = await connectEtcd({ hosts: JSON.parse(hostsArg ?? '[]') as string[] });
const service = new TimerService({ kv, appId: appId ?? 'bench', partitions: Number(partitionsArg) });
await service.ready();

const reply = (message: ProducerReply): void => void process.send?.(message);

process.on('message', (message: ProducerRequest) => {
  if (message.kind === 'stop') {
    void kv.close().finally(() => process.exit(0));
    return;
  }
  const { seq, ids, dueAtMs } = message;
  service.scheduleMany(ids.map((name, i) => ({ name, spec: { dueTime: new Date(dueAtMs[i] ?? 0) } }))).then(
    (results) => {
      const failed = results.find((r) => !r.ok);
      reply(
        failed && !failed.ok ? { kind: 'done', seq, error: failed.error.message } : { kind: 'done', seq },
      );
    },
    (error: unknown) => reply({ kind: 'done', seq, error: String(error) }),
  );
});
reply({ kind: 'ready' });
