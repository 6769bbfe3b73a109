/**
 * A process that starts an embedded etcd, prints its pid, then either exits without stopping it
 * (`exit`) or waits to be killed (`wait`). Tests check that the etcd never outlives it.
 */
import { startEmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';

const [dataDir = '', mode = 'wait'] = process.argv.slice(2);
const etcd = await startEmbeddedEtcd({ dataDir });
process.stdout.write(`${etcd.pid}\n`);
if (mode === 'exit') process.exit(0);
setInterval(() => undefined, 60_000);
