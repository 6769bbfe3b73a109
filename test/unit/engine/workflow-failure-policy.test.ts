import test from 'ava';
import {
  InvalidYieldError,
  NonDeterminismError,
  TaskCanceledError,
  TaskFailedError,
  WorkflowArgumentError,
  WorkflowFailure,
  WorkflowNotRegisteredError,
} from '../../../src/engine/errors.js';
import { PayloadTooLargeError } from '../../../src/engine/payload-limit.js';
import { checkFailurePolicy, isWorkflowFailure } from '../../../src/engine/workflow-failure-policy.js';

class OrderRejected extends WorkflowFailure {
  override name = 'OrderRejected';
}
class OutOfStock extends Error {
  override name = 'OutOfStock';
}
class BackOrdered extends OutOfStock {
  override name = 'BackOrdered';
}

const taskFailed = new TaskFailedError('activity', 'charge', 3, { errorType: 'Error', message: 'declined' });

test('errors the code lets escape on purpose fail the instance by default', (t) => {
  t.true(isWorkflowFailure(taskFailed));
  t.true(
    isWorkflowFailure(new TaskFailedError('childWorkflow', 'ship', 4, { errorType: 'E', message: 'x' })),
  );
  t.true(isWorkflowFailure(new TaskCanceledError('timed out waiting for "approval"')));
  t.true(isWorkflowFailure(new WorkflowFailure('order cannot be fulfilled')));
  t.true(isWorkflowFailure(new OrderRejected('customer blocked')), 'a subclass of WorkflowFailure');
});

test('bugs, divergence and an unregistered workflow stall by default', (t) => {
  for (const error of [
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    new Error('boom'),
    new OutOfStock('none left'),
    new NonDeterminismError(2, 'TaskScheduled "a"', 'ScheduleTask "b"'),
    new WorkflowNotRegisteredError('order'),
    new InvalidYieldError(42),
    new WorkflowArgumentError('fireAt', 'soon', 'a Date or a duration'),
    new PayloadTooLargeError('activity input', 2000, 1000),
    'a thrown string',
    undefined,
  ]) {
    t.false(isWorkflowFailure(error), String(error));
  }
});

test('failFast makes every error a workflow failure', (t) => {
  t.true(isWorkflowFailure(new TypeError('x'), { failFast: true }));
  t.true(isWorkflowFailure(new NonDeterminismError(1, 'a', 'b'), { failFast: true }));
  t.true(isWorkflowFailure('a string', { failFast: true }));
  t.false(isWorkflowFailure(new TypeError('x'), { failFast: false }));
});

test('failureTypes adds classes (instanceof) and class names (name or prototype chain)', (t) => {
  const byClass = { failureTypes: [OutOfStock] };
  t.true(isWorkflowFailure(new OutOfStock('x'), byClass));
  t.true(isWorkflowFailure(new BackOrdered('x'), byClass), 'a subclass counts');
  t.false(isWorkflowFailure(new TypeError('x'), byClass));
  const byName = { failureTypes: ['OutOfStock'] };
  t.true(isWorkflowFailure(new OutOfStock('x'), byName));
  t.true(isWorkflowFailure(new BackOrdered('x'), byName), 'a subclass of the named class counts');
  const plain = Object.assign(new Error('x'), { name: 'OutOfStock' });
  t.true(isWorkflowFailure(plain, byName), 'an error whose name was set');
  t.false(isWorkflowFailure(new Error('x'), byName));
  t.false(isWorkflowFailure('OutOfStock', byName), 'a thrown string has no class');
  t.true(isWorkflowFailure(taskFailed, byName), 'the defaults still apply');
});

test('WorkflowFailure of another tickflow copy is recognised by brand and name', (t) => {
  // As the class of a second copy of the package would make it: same name, same brand.
  const Brand = Symbol.for('tickflow.TickflowError');
  class WorkflowFailureCopy extends Error {}
  Object.defineProperty(WorkflowFailureCopy, 'name', { value: 'WorkflowFailure' });
  Object.defineProperty(WorkflowFailureCopy.prototype, Brand, { value: true });
  const foreign = new WorkflowFailureCopy('from another copy');
  t.true(foreign instanceof WorkflowFailure);
  t.true(isWorkflowFailure(foreign));
});

test('checkFailurePolicy names the bad field, the value and what is allowed', (t) => {
  const invalid = (field: string, value: unknown, allowed: string) =>
    new RangeError(`invalid ${field}: ${JSON.stringify(value)}; allowed: ${allowed}`);
  t.deepEqual(checkFailurePolicy(undefined, invalid), {});
  t.deepEqual(checkFailurePolicy({ failFast: true }, invalid), { failFast: true });
  const types = ['OutOfStock', OutOfStock];
  const checked = checkFailurePolicy({ failureTypes: types }, invalid);
  t.deepEqual(checked.failureTypes, types);
  t.not(checked.failureTypes, types, 'a copy');
  t.throws(() => checkFailurePolicy({ failFast: 'yes' }, invalid), {
    message: 'invalid failFast: "yes"; allowed: true or false',
  });
  t.throws(() => checkFailurePolicy({ failureTypes: 'OutOfStock' }, invalid), {
    message: /^invalid failureTypes: "OutOfStock"; allowed: an array/,
  });
  t.throws(() => checkFailurePolicy({ failureTypes: ['A', ''] }, invalid), {
    message: /^invalid failureTypes\[1\]: ""; allowed: an array of error classes or non-empty/,
  });
  t.throws(() => checkFailurePolicy(true, invalid), { message: /^invalid options: true/ });
});
