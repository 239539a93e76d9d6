/**
 * Child process of the crash test: starts the control plane on the data directory given as the
 * first argument and writes ConfigMaps until it is killed, printing `<name> <resourceVersion>` for
 * each write once it has been acknowledged (the store call returned).
 */
import pino from 'pino';
import { startControlPlane } from '../index';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-writer <dataDir>');
const cp = await startControlPlane({ dataDir, logger: pino({ level: 'silent' }) });
const gvr = { group: '', version: 'v1', plural: 'configmaps' };
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const name = `crash-${process.pid}-${i}`;
  const created = cp.store.create(gvr, 'default', { metadata: { name }, data: { i: String(i) } });
  // A pipe write is synchronous on Linux: once this returns, the parent can see the line.
  process.stdout.write(`${name} ${created.metadata.resourceVersion ?? ''}\n`);
  if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
