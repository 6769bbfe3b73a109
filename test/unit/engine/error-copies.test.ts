/**
 * Workflow errors from another copy of tickflow (the CLI runs the built package while a workflow
 * module may import the sources) still satisfy `instanceof`, by brand and class name; unrelated
 * errors and other classes do not.
 */
import test from 'ava';
import type * as errors from '../../../src/engine/errors.js';
import { NonDeterminismError, TaskFailedError, WorkflowError } from '../../../src/engine/errors.js';

// The same file under another URL is a second module instance: a second copy of every class.
const copy = (await import(`../../../src/engine/errors.js?copy=${Date.now()}`)) as typeof errors;

test('a TaskFailedError of another copy is a TaskFailedError and a WorkflowError here', (t) => {
  t.not(copy.TaskFailedError, TaskFailedError, 'really a second copy');
  const foreign = new copy.TaskFailedError('activity', 'charge', 3, {
    errorType: 'Error',
    message: 'declined',
  });
  t.true(foreign instanceof TaskFailedError);
  t.true(foreign instanceof WorkflowError);
  t.false(foreign instanceof NonDeterminismError);
  const local = new TaskFailedError('activity', 'charge', 3, { errorType: 'Error', message: 'declined' });
  t.true(local instanceof copy.TaskFailedError);
});

test('look-alikes without the brand are not workflow errors', (t) => {
  class TaskFailedErrorLookAlike extends Error {}
  Object.defineProperty(TaskFailedErrorLookAlike, 'name', { value: 'TaskFailedError' });
  t.false(new TaskFailedErrorLookAlike('x') instanceof TaskFailedError);
  t.false(new Error('x') instanceof WorkflowError);
  t.false((null as unknown) instanceof WorkflowError);
});
