import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether a real kubectl is on PATH (Debian's kubernetes-client); the kubectl tests skip without one. */
export const kubectlInstalled =
  spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

/**
 * A real kubectl against a test control plane, with its own cache and HOME in `work()` (so nothing
 * of the machine's kubectl setup leaks in). It runs as a child process while the server answers from
 * this one, so it must be awaited. A failure throws with kubectl's stderr.
 */
export function kubectlRunner(kubeconfig: () => string, work: () => string) {
  return async (...args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(
        'kubectl',
        ['--kubeconfig', kubeconfig(), '--cache-dir', path.join(work(), 'cache'), ...args],
        { env: { ...process.env, KUBECONFIG: '', HOME: work() } },
      );
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  };
}
