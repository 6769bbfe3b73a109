/** Which adapter runs each engine, and which engines cannot express a workload family. */
import { unsupportedReason } from '../support.js';
import type { EngineName } from '../types.js';
import { BullmqTimers } from './bullmq-timers.js';
import { RestateTimers } from './restate-timers.js';
import { TickflowTimers } from './tickflow-timers.js';
import { UnsupportedError, type TimerEngine } from './timer-engine.js';
import { RestateWorkflows } from './restate-workflows.js';
import { TickflowWorkflows, type TickflowWorkflowsOptions } from './tickflow-workflows.js';
import type { WorkflowEngine } from './workflow-engine.js';

export function timerEngine(engine: EngineName): () => Promise<TimerEngine> {
  switch (engine) {
    case 'tickflow':
      return () => TickflowTimers.create();
    case 'bullmq-everysec':
      return () => BullmqTimers.create('everysec');
    case 'bullmq-always':
      return () => BullmqTimers.create('always');
    case 'restate':
      return () => Promise.resolve(new RestateTimers());
  }
}

export function workflowEngine(
  engine: EngineName,
  options: TickflowWorkflowsOptions = {},
): () => Promise<WorkflowEngine> {
  switch (engine) {
    case 'tickflow':
      return () => TickflowWorkflows.create(options);
    case 'restate':
      return () => RestateWorkflows.create();
    case 'bullmq-everysec':
    case 'bullmq-always':
      return () => Promise.reject(new UnsupportedError(unsupportedReason(engine, 'W4') ?? 'not supported'));
  }
}
