import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger';
import { startTestControlPlane } from '../../testing/console';
import type { TestControlPlane } from '../../testing/console';
import { NOT_BEFORE_LABEL, SessionRevocations } from './revocations';

/** Two replicas of the console sharing one control plane, each with its own memory. */
describe('session cut-offs across replicas', () => {
  let plane: TestControlPlane;
  const namespace = 'default';
  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => {
    await plane?.close();
  });

  const replica = () => new SessionRevocations(plane.kube, namespace, silentLogger(), 0);
  const stored = async (user: string) => {
    const { items } = await plane.kube.core.listNamespacedSecret({
      namespace,
      labelSelector: NOT_BEFORE_LABEL,
    });
    const secret = items.find((s) => Buffer.from(s.data?.user ?? '', 'base64').toString() === user);
    const field = (k: string) => Number(Buffer.from(secret?.data?.[k] ?? '', 'base64').toString());
    return { notBefore: field('notBefore'), expiresAt: field('expiresAt') };
  };

  it('keeps the later of two replicas’ cut-offs, each field on its own, and never lowers one', async () => {
    const now = Date.now();
    const a = replica();
    const b = replica();
    // Replica A: a password change at now, cookies of that age last until now + 1 h.
    await a.revokeIssuedBefore('ana', now, now + 3600_000);
    // Replica B, a moment behind: an earlier change, whose cookies would have lasted longer.
    await b.revokeIssuedBefore('ana', now - 60_000, now + 7200_000);
    expect(await stored('ana')).toEqual({ notBefore: now, expiresAt: now + 7200_000 });

    // A third replica that knew neither refuses a cookie issued between the two changes.
    const c = replica();
    expect(await c.issuedTooEarly('ana', now - 30_000)).toBe(true);
    expect(await c.issuedTooEarly('ana', now + 1)).toBe(false);

    // An older cut-off written again changes nothing.
    await a.revokeIssuedBefore('ana', now - 120_000, now + 60_000);
    expect(await stored('ana')).toEqual({ notBefore: now, expiresAt: now + 7200_000 });
  });
});
