import { startEmbeddedEtcd, WorkflowClient, WorkflowRuntime } from 'tickflow';
import { composeGreeting, greeting } from './greeting.js';

// An etcd of its own in a temporary folder (pass your cluster's hosts instead in production).
const etcd = await startEmbeddedEtcd();
const runtime = new WorkflowRuntime({ etcd: { hosts: etcd.hosts } })
  .registerWorkflow(greeting)
  .registerActivity(composeGreeting);
await runtime.start();

const client = new WorkflowClient({ etcd: { hosts: etcd.hosts } });
try {
  const id = await client.scheduleNewWorkflow(greeting, { name: 'world', pause: '2s' });
  console.log(`started ${id}; it greets, sleeps 2 s on a durable timer, and greets again`);
  const state = await client.waitForWorkflowCompletion(id, true, 30);
  console.log(`${state.runtimeStatus}: ${state.serializedOutput}`);
} finally {
  await client.close();
  await runtime.stop();
  await etcd.stop();
}
