import { describe, expect, it } from 'vitest';
import { serviceWaypointName, workloadDataPlane } from './ambient';

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

describe('ambient labels', () => {
  it.each<[string, boolean, Record<string, string>, Record<string, string>, string]>([
    ['a sidecar wins over an ambient namespace', true, {}, AMBIENT, 'sidecar'],
    ['an ambient namespace enrols its pods', false, {}, AMBIENT, 'ambient'],
    ['a pod opts out with none', false, { 'istio.io/dataplane-mode': 'none' }, AMBIENT, 'none'],
    ['a pod enrols itself', false, { 'istio.io/dataplane-mode': 'ambient' }, {}, 'ambient'],
    ['neither: outside the mesh', false, {}, {}, 'none'],
  ])('%s', (_, sidecar, pod, ns, mode) => {
    expect(workloadDataPlane(sidecar, pod, ns)).toBe(mode);
  });

  it('reads the Service’s waypoint before its namespace’s, none opting out, in another namespace when named', () => {
    const ns = { 'istio.io/use-waypoint': 'waypoint' };
    expect(serviceWaypointName({}, ns, 'shop')).toEqual({ namespace: 'shop', name: 'waypoint' });
    expect(serviceWaypointName({ 'istio.io/use-waypoint': 'reviews-wp' }, ns, 'shop')).toEqual({
      namespace: 'shop',
      name: 'reviews-wp',
    });
    expect(serviceWaypointName({ 'istio.io/use-waypoint': 'none' }, ns, 'shop')).toBeNull();
    expect(
      serviceWaypointName(
        { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'istio-system' },
        {},
        'shop',
      ),
    ).toEqual({ namespace: 'istio-system', name: 'shared' });
    expect(serviceWaypointName({}, {}, 'shop')).toBeNull();
  });
});
