import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startControlPlane } from '../index';
import type { ControlPlane, ControlPlaneOptions } from '../index';
import { buildRegistry } from '../registry/registry';
import { Database } from '../store/database';
import { ResourceStore } from '../store/resource-store';
import { StatusError } from '../status-error';
import type { KubeResource, KubeObject } from '../types';

/** Shared helpers of the control plane's tests. */

export const VS: KubeResource = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' };
export const SERVICES: KubeResource = { group: '', version: 'v1', plural: 'services' };
export const CONFIGMAPS: KubeResource = { group: '', version: 'v1', plural: 'configmaps' };
export const NAMESPACES: KubeResource = { group: '', version: 'v1', plural: 'namespaces' };

export function tempDir(prefix = 'cp-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

const silent = () => pino({ level: 'silent' });

export interface TestStore {
  store: ResourceStore;
  db: Database;
  dir: string;
  /** Closes the db and reopens a store on the same file, as a restart would. */
  reopen(): TestStore;
  close(): void;
}

export function openStore(
  options: { keepIstioDubboField?: boolean; eventRetention?: number; dir?: string } = {},
): TestStore {
  const dir = options.dir ?? tempDir();
  const db = new Database(path.join(dir, 'state.db'));
  const store = new ResourceStore({
    db,
    registry: buildRegistry({ keepIstioDubboField: options.keepIstioDubboField ?? false }),
    logger: silent(),
    eventRetention: options.eventRetention,
  });
  store.ensureNamespaces(['default', 'kube-system', 'istio-system']);
  return {
    store,
    db,
    dir,
    reopen() {
      db.close();
      return openStore({ ...options, dir });
    },
    close() {
      db.close();
      if (!options.dir) removeDir(dir);
    },
  };
}

export async function startTestControlPlane(
  options: Partial<ControlPlaneOptions> = {},
): Promise<ControlPlane & { dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir();
  const cp = await startControlPlane({ logger: silent(), ...options, dataDir });
  return Object.assign(cp, { dataDir });
}

export function virtualService(
  name: string,
  weights: unknown[] = [80, 20],
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      hosts: [name],
      http: [
        {
          route: weights.map((weight, i) => ({ destination: { host: name, subset: `v${i + 1}` }, weight })),
        },
      ],
      ...extra,
    },
  };
}

/** Waits until `predicate` holds, polling; fails the test after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The StatusError `fn` throws (what the API would answer); fails the test when it throws nothing. */
export function statusErrorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}
