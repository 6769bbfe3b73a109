import test from 'ava';
import { retryUnsent } from '../../../src/etcd/retry-unsent.js';

// No I/O: the policy alone. It decides whether etcd3 may re-send a request.

test('re-sends only requests that never reached etcd', async (t) => {
  const policy = retryUnsent(3);
  let calls = 0;
  const refusedTwice = await policy.execute(() => {
    calls++;
    if (calls < 3)
      throw new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED');
    return 'ok';
  });
  t.is(refusedTwice, 'ok');
  t.is(calls, 3);

  calls = 0;
  await t.throwsAsync(
    policy.execute(() => {
      calls++;
      throw new Error('4 DEADLINE_EXCEEDED: Deadline exceeded');
    }),
    { message: /DEADLINE/ },
  );
  t.is(calls, 1, 'a request that may have been applied is never sent twice');

  calls = 0;
  await t.throwsAsync(
    policy.execute(() => {
      calls++;
      throw new Error('connect ECONNREFUSED');
    }),
  );
  t.is(calls, 3, 'gives up after maxAttempts');
});
