import { afterAll, beforeAll } from 'vitest';
import type { Console } from '../console';
import { startTestControlPlane } from './console';
import type { TestControlPlane } from './console';

/**
 * Replicas on one embedded control plane, for a suite about what moves with the Lease: the plane is
 * started before the suite; the consoles a test adds to `consoles` are closed after it, then the plane.
 */
export function replicasOnOnePlane(): { plane: () => TestControlPlane; consoles: Console[] } {
  let plane: TestControlPlane | undefined;
  const consoles: Console[] = [];
  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => {
    for (const c of consoles.splice(0)) await c.close();
    await plane?.close();
  });
  return {
    plane: () => {
      if (!plane) throw new Error('the control plane is started before the suite');
      return plane;
    },
    consoles,
  };
}
