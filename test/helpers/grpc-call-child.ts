/**
 * Child process of the channel tests: one call to argv[2], then prints the answer, with nothing
 * else keeping the process alive. It exits before printing if the channel does not hold the
 * process open while its call is in flight.
 */
import { GrpcChannel } from '../../src/etcd/grpc-channel.js';

const url = process.argv[2] ?? '';
const channel = new GrpcChannel({ url }, { connectTimeoutMs: 2_000, maxReceiveBytes: 1024 });
channel.unary('/test.Svc/Call', Buffer.from('child'), { timeoutMs: 10_000 }).then(
  (answer) => process.stdout.write(`answer: ${answer.toString()}\n`),
  (error: unknown) => process.stdout.write(`error: ${String(error)}\n`),
);
