import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIGMAPS, removeDir, startTestControlPlane, tempDir } from './testing/fixtures';

const WRITER = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged `count` writes, then kills it with SIGKILL. */
function writeThenKill(dataDir: string, count: number): Promise<{ name: string; rv: number }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: { name: string; rv: number }[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const [name, rv] = line.split(' ');
        if (name && rv) acknowledged.push({ name, rv: Number(rv) });
        newline = buffer.indexOf('\n');
      }
      if (acknowledged.length >= count && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('durability', () => {
  const dataDir = tempDir('cp-crash-');
  afterAll(() => removeDir(dataDir));

  it('keeps every acknowledged write through kill -9, and resourceVersions keep increasing', async () => {
    const acknowledged = await writeThenKill(dataDir, 300);
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    const cp = await startTestControlPlane({ dataDir });
    try {
      const stored = new Map(cp.store.list(CONFIGMAPS, 'default').items.map((o) => [o.metadata.name, o]));
      const missing = acknowledged.filter((a) => !stored.has(a.name));
      expect(missing).toEqual([]);
      for (const a of acknowledged) expect(stored.get(a.name)?.metadata.resourceVersion).toBe(String(a.rv));
      const lastAcknowledged = Math.max(...acknowledged.map((a) => a.rv));
      const next = cp.store.create(CONFIGMAPS, 'default', { metadata: { name: 'after-restart' } });
      expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(lastAcknowledged);
      expect(Number(cp.store.resourceVersion)).toBeGreaterThanOrEqual(lastAcknowledged);
    } finally {
      await cp.close();
    }
  });

  it('refuses a second control plane on the same data directory', async () => {
    const first = await startTestControlPlane({ dataDir });
    try {
      await expect(startTestControlPlane({ dataDir })).rejects.toThrow(/in use by another control plane/);
    } finally {
      await first.close();
    }
  });
});
