import test from 'ava';
import * as tickflow from '../../../src/index.js';
import * as testing from '../../../src/testing/index.js';
import { TickflowError, errorCode } from '../../../src/common/tickflow-error.js';

test('errorCode: the class name in CONSTANT_CASE without Error', (t) => {
  t.is(errorCode('JobNotFoundError'), 'JOB_NOT_FOUND');
  t.is(errorCode('StoreUnavailableError'), 'STORE_UNAVAILABLE');
  t.is(errorCode('EtcdNotFoundError'), 'ETCD_NOT_FOUND');
  t.is(errorCode('TickflowError'), 'TICKFLOW');
  t.is(errorCode('HTTPServerError'), 'HTTP_SERVER');
  t.is(errorCode('RepeatedWarning'), 'REPEATED_WARNING');
});

/** Every class the public entry points export whose instances are Errors. */
function exportedErrorClasses(): Array<[string, abstract new (...args: never[]) => unknown]> {
  const classes: Array<[string, abstract new (...args: never[]) => unknown]> = [];
  for (const [name, value] of [...Object.entries(tickflow), ...Object.entries(testing)]) {
    if (typeof value === 'function' && value.prototype instanceof Error) {
      classes.push([name, value as abstract new (...args: never[]) => unknown]);
    }
  }
  return classes;
}

test('every exported error class extends TickflowError', (t) => {
  const classes = exportedErrorClasses();
  t.true(classes.length >= 25, `found ${classes.length}`);
  for (const [name, cls] of classes) {
    t.true(cls.prototype instanceof TickflowError || cls === TickflowError, `${name} extends TickflowError`);
  }
});

test('InvalidInput errors get field, value, allowed and the shared message from the root', (t) => {
  const errors = [
    new tickflow.JobValidationError('schedule', '@sometimes', 'a cron expression'),
    new tickflow.WorkflowValidationError('pageSize', 0, 'an integer from 1 to 1000'),
    new tickflow.WorkflowArgumentError('fireAt', 'soon', 'a duration'),
    new tickflow.StoreRequestError('hosts', [], 'at least one URL'),
    new testing.TestEnvironmentError('sleep', -1, 'a non-negative number'),
  ];
  for (const error of errors) {
    t.true(error instanceof TickflowError);
    t.is(error.message, `invalid ${error.field}: ${JSON.stringify(error.value)}; allowed: ${error.allowed}`);
    t.deepEqual(
      Object.keys(error)
        .filter((k) => ['field', 'value', 'allowed'].includes(k))
        .sort(),
      ['allowed', 'field', 'value'],
    );
  }
  t.is(new tickflow.JobValidationError('x', 1, 'y').code, 'JOB_VALIDATION');
  const tooLarge = new tickflow.PayloadTooLargeError('input', 300_000, 262_144);
  t.is(tooLarge.value, '300000 bytes');
  t.is(tooLarge.allowed, 'at most 262144 bytes of JSON');
  t.regex(tooLarge.message, /over the limit of 262144 bytes/);
});

test('a cause is kept', (t) => {
  const cause = new Error('root');
  t.is(new tickflow.StoreRequestError('hosts', 'x', 'y', { cause }).cause, cause);
});
