import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestStore } from '../testing/fixtures';
import { CONFIGMAPS, openStore, statusErrorOf } from '../testing/fixtures';
import { formatLabelSelector, getScale, updateScale } from './scale';

const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments' };

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 2,
    selector: {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }],
    },
    template: {
      metadata: { labels: { app: 'web', tier: 'front' } },
      spec: { containers: [{ name: 'web', image: 'web:1' }] },
    },
  },
};

describe('scale and status subresources', () => {
  let t: TestStore;
  beforeEach(() => {
    t = openStore();
    t.store.create(DEPLOYMENTS, 'default', deployment);
  });
  afterEach(() => t.close());

  it('reads and writes a Deployment’s replicas through its autoscaling/v1 Scale', () => {
    expect(getScale(t.store, DEPLOYMENTS, 'default', 'web')).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2 },
      status: { replicas: 0, selector: 'app=web,tier in (edge,front)' },
    });
    const scaled = updateScale(
      t.store,
      DEPLOYMENTS,
      'default',
      'web',
      { spec: { replicas: 5 } },
      { fieldManager: 'kubectl' },
    );
    expect(scaled.spec.replicas).toBe(5);
    // kubectl scale's entry names the subresource and owns spec.replicas alone.
    expect(t.store.get(DEPLOYMENTS, 'default', 'web').metadata).toMatchObject({
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          subresource: 'scale',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
      ],
    });
    expect((t.store.get(DEPLOYMENTS, 'default', 'web').spec as { replicas: number }).replicas).toBe(5);

    expect(
      statusErrorOf(() => updateScale(t.store, DEPLOYMENTS, 'default', 'web', { spec: { replicas: -1 } }, {}))
        .code,
    ).toBe(422);
    const stale = { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } };
    expect(statusErrorOf(() => updateScale(t.store, DEPLOYMENTS, 'default', 'web', stale, {})).code).toBe(
      409,
    );
    t.store.create(CONFIGMAPS, 'default', { metadata: { name: 'c' } });
    expect(statusErrorOf(() => getScale(t.store, CONFIGMAPS, 'default', 'c')).code).toBe(404);
  });

  it('writes only .status through /status, and never .status through the main resource', () => {
    const current = t.store.get(DEPLOYMENTS, 'default', 'web');
    const viaStatus = t.store.update(
      DEPLOYMENTS,
      'default',
      'web',
      { ...current, spec: { ...(current.spec as object), replicas: 9 }, status: { replicas: 2 } },
      { subresource: 'status' },
    );
    expect(viaStatus.status).toEqual({ replicas: 2 });
    expect((viaStatus.spec as { replicas: number }).replicas).toBe(2);
    const viaMain = t.store.patch(DEPLOYMENTS, 'default', 'web', 'merge', { status: { replicas: 7 } });
    expect(viaMain.status).toEqual({ replicas: 2 });
    expect(getScale(t.store, DEPLOYMENTS, 'default', 'web').status.replicas).toBe(2);
  });

  it('formats label selectors as kube-apiserver prints them', () => {
    expect(
      formatLabelSelector({
        matchLabels: { b: '1' },
        matchExpressions: [
          { key: 'a', operator: 'NotIn', values: ['y', 'x'] },
          { key: 'c', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('a notin (x,y),b=1,c,!d');
  });
});
