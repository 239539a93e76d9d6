import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** The kubeconfig the embedded control plane writes into the data directory playwright.config.ts made. */
export function kubeconfig(): string {
  const dir = process.env.MESH_CONSOLE_E2E_DATA_DIR;
  if (!dir) throw new Error('MESH_CONSOLE_E2E_DATA_DIR is not set: run through playwright.config.ts');
  return path.join(dir, 'kubeconfig');
}

/**
 * A real kubectl against the console's control plane, as an operator would run it: `input` is its
 * stdin (a string: stdin alone, as before), `timeoutMs` how long it may run (15 s unless said; a
 * `kubectl wait --timeout=…` needs longer).
 */
export function kubectl(args: string[], options?: string | { input?: string; timeoutMs?: number }): string {
  const { input, timeoutMs = 15_000 } = typeof options === 'string' ? { input: options } : (options ?? {});
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig(), ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    ...(input === undefined ? {} : { input }),
  });
}
