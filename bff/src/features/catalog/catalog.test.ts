import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeClient } from '../../clients/kube';
import type { KubeResource } from '../../lib/kube-kind';
import { silentLogger } from '../../lib/logger';
import { InformerCatalog } from './catalog';
import type { V1Pod } from './kube-types';
import { slimPod } from './slim';

type Handler = (obj: KubernetesObject) => void;

/** An informer the test drives: what it holds at start is sent as adds, as the client's does. */
class FakeInformer {
  readonly handlers = new Map<string, Handler[]>();
  constructor(
    readonly initial: KubernetesObject[],
    readonly transform: ((o: KubernetesObject) => KubernetesObject) | undefined,
  ) {}
  on(event: string, fn: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
  }
  emit(event: 'add' | 'update' | 'delete', obj: KubernetesObject) {
    const value = this.transform ? this.transform(obj) : obj;
    for (const fn of this.handlers.get(event) ?? []) fn(value);
  }
  async start() {
    for (const o of this.initial) this.emit('add', o);
  }
  async stop() {}
}

function fakeKube(objects: Record<string, KubernetesObject[]>) {
  const informers = new Map<string, FakeInformer>();
  const kube = {
    preferredVersion: async () => null,
    informer: (
      gvr: KubeResource,
      _log: unknown,
      options?: { transform?: (o: KubernetesObject) => KubernetesObject },
    ) => {
      const informer = new FakeInformer(objects[gvr.plural] ?? [], options?.transform);
      informers.set(gvr.plural, informer);
      return informer;
    },
  } as unknown as KubeClient;
  return { kube, informers };
}

const pod = (ready: boolean, rv: string): V1Pod => ({
  metadata: {
    name: 'web-1',
    namespace: 'a',
    labels: { app: 'web' },
    resourceVersion: rv,
    managedFields: [{}],
  },
  spec: { containers: [{ name: 'app', image: 'web' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const service = {
  metadata: { name: 'web', namespace: 'a' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
};
const ID = 'web.a.svc.cluster.local';

describe('InformerCatalog', () => {
  afterEach(() => vi.useRealTimers());

  it('holds slim Pods, and shows watch events at most maxStaleMs late', async () => {
    vi.useFakeTimers();
    const { kube, informers } = fakeKube({ services: [service], pods: [pod(true, '1')], namespaces: [] });
    const catalog = await InformerCatalog.start(kube, silentLogger(), { maxStaleMs: 1000 });
    expect(informers.get('pods')?.transform).toBe(slimPod);
    expect(catalog.get(ID)?.instances).toEqual({ total: 1, ready: 1 });

    informers.get('pods')?.emit('update', pod(false, '2'));
    // Within maxStaleMs of the last update, a read is the view it had.
    expect(catalog.get(ID)?.instances.ready).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(catalog.get(ID)?.instances.ready).toBe(0);
    await catalog.stop();
  });

  it('with maxStaleMs 0, a read after an event shows it', async () => {
    const { kube, informers } = fakeKube({ services: [service], pods: [pod(true, '1')], namespaces: [] });
    const catalog = await InformerCatalog.start(kube, silentLogger(), { maxStaleMs: 0 });
    informers.get('pods')?.emit('delete', pod(true, '1'));
    expect(catalog.get(ID)?.instances.total).toBe(0);
    informers.get('services')?.emit('delete', service);
    expect(catalog.get(ID)).toBeUndefined();
    await catalog.stop();
  });
});
