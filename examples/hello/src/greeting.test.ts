import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowRuntimeStatus } from 'tickflow';
import { TestWorkflowEnvironment } from 'tickflow/testing';
import { composeGreeting, greeting } from './greeting.js';

test('a day-long pause passes in virtual time', async () => {
  const env = await TestWorkflowEnvironment.create({ workflows: [greeting], activities: [composeGreeting] });
  try {
    const id = await env.client.scheduleNewWorkflow(greeting, { name: 'Ada', pause: '24h' });
    const state = await env.client.waitForWorkflowCompletion(id);
    assert.equal(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
    assert.deepEqual(JSON.parse(state.serializedOutput ?? 'null'), ['Hello, Ada!', 'Hello, Ada again!']);
    assert.equal(state.lastUpdatedAt.getTime() - state.createdAt.getTime(), 24 * 3600_000);
  } finally {
    await env.teardown();
  }
});
