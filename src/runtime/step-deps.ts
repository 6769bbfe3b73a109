import type { EventEmitter } from 'eventemitter3';
import type { Clock } from '../common/clock.js';
import type { GroupCommit } from '../etcd/group-commit.js';
import type { WorkflowLookup } from '../engine/executor.js';
import type { WorkflowLogger } from '../engine/logger.js';
import type { InstanceStore } from './instances/instance-store.js';
import type { ReminderPort } from './reminders/reminder-port.js';
import type { RuntimeEvents } from './runtime-events.js';

/** What loading and running an instance's steps need of the runtime, whichever part does it. */
export interface StepDeps {
  store: InstanceStore;
  commit: GroupCommit;
  reminders: ReminderPort;
  workflows: WorkflowLookup;
  clock: Clock;
  events: EventEmitter<RuntimeEvents>;
  logger: WorkflowLogger;
}
