import { describe, expect, it } from 'vitest';
import type { MonitoringOverview } from '../../contract/monitoring';
import type { TopologyGraph } from '../../contract/topology';
import { sseFrame } from '../monitoring/stream';
import { responseScope, scopeOverview, scopeStreamChunk, scopeTopology } from './scope-responses';
import type { Principal } from './principal';

const inDemo = (ns: string) => ns === 'demo';
const entry = (namespace: string, application: string, value: number) => ({ namespace, application, value });

const overview = {
  window: '5m',
  updatedAt: '2025-01-01T00:00:00.000Z',
  source: 'embedded',
  top: {
    requests: [entry('shop', 'cart', 9), entry('demo', 'echo', 5)],
    latency: [entry('demo', 'echo', 3)],
    errorRate: [entry('shop', 'cart', 0.5)],
  },
  applications: [
    { application: 'echo', namespace: 'demo' },
    { application: 'cart', namespace: 'shop' },
  ],
} as unknown as MonitoringOverview;

describe('answers cut to a user’s namespaces', () => {
  it('keeps the overview’s applications and Top 5 entries of those namespaces', () => {
    const scoped = scopeOverview(overview, inDemo);
    expect(scoped.applications.map((a) => a.application)).toEqual(['echo']);
    expect(scoped.top).toEqual({
      requests: [entry('demo', 'echo', 5)],
      latency: [entry('demo', 'echo', 3)],
      errorRate: [],
    });
  });

  it('keeps the topology’s nodes of those namespaces and only the edges between them', () => {
    const node = (id: string, namespace: string) => ({ id, namespace });
    const graph = {
      namespaces: ['demo', 'shop'],
      groups: [
        { id: 'g1', namespace: 'demo', application: 'a' },
        { id: 'g2', namespace: 'shop', application: 'b' },
      ],
      nodes: [node('a', 'demo'), node('b', 'demo'), node('c', 'shop')],
      edges: [
        { id: 'a>b', source: 'a', target: 'b' },
        { id: 'b>c', source: 'b', target: 'c' },
      ],
    } as unknown as TopologyGraph;
    const scoped = scopeTopology(graph, inDemo);
    expect(scoped.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(scoped.edges.map((e) => e.id)).toEqual(['a>b']);
    expect(scoped.namespaces).toEqual(['demo']);
    expect(scoped.groups.map((g) => g.id)).toEqual(['g1']);
  });

  it('cuts the stream’s overview events and passes the others', () => {
    const frame = scopeStreamChunk(sseFrame('overview', overview), inDemo);
    const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}') as MonitoringOverview;
    expect(data.applications.map((a) => a.application)).toEqual(['echo']);
    expect(frame.endsWith('\n\n')).toBe(true);
    const other = sseFrame('service-metrics', { serviceId: 'x' });
    expect(scopeStreamChunk(other, inDemo)).toBe(other);
    expect(scopeStreamChunk(': heartbeat\n\n', inDemo)).toBe(': heartbeat\n\n');
  });

  it('cuts nothing for admins and users of every namespace', () => {
    const user = (role: Principal['role'], namespaces: string[]): Principal => ({
      name: 'u',
      role,
      namespaces,
      via: 'local',
      groups: [],
      mustChangePassword: false,
    });
    expect(responseScope(user('admin', ['demo']), 'GET', '/topology')).toBeNull();
    expect(responseScope(user('viewer', ['*']), 'GET', '/topology')).toBeNull();
    expect(responseScope(user('viewer', ['demo']), 'GET', '/topology')?.kind).toBe('topology');
    expect(responseScope(user('viewer', ['demo']), 'GET', '/services')).toBeNull();
  });
});
