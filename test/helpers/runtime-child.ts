/**
 * A workflow runtime in its own process, so a test can SIGKILL it mid-flight (a real crash: no
 * stop, no lease revoke). Usage: node --import tsx runtime-child.ts <hosts,...> <appId> <partitions>
 * Prints one JSON line per event on stdout: {"event":"owned"} once it fires every partition, then
 * {"event":"step","instanceId":...} per committed step.
 */
import { WorkflowRuntime } from '../../src/index.js';
import { registerCrashWorkflows } from './crash-workflows.js';

const [hosts = '', appId = '', partitions = '4'] = process.argv.slice(2);
const say = (line: object): boolean => process.stdout.write(`${JSON.stringify(line)}\n`);
const runtime = new WorkflowRuntime({
  etcd: { hosts: hosts.split(',') },
  appId,
  partitions: Number(partitions),
  leaseTtlSeconds: 2,
  // Activities in flight when this process is killed run again from their reminders this soon.
  activityFallbackSeconds: 3,
});
registerCrashWorkflows(runtime);
runtime.on('step', (e) => say({ event: 'step', instanceId: e.instanceId, status: e.status }));
runtime.on('warning', (error) => say({ event: 'warning', message: error.message }));
runtime.timers.on('partitionsChanged', (owned) => {
  if (owned.length === Number(partitions)) say({ event: 'owned' });
});
await runtime.start();
