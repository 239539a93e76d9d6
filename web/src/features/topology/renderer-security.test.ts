import { describe, expect, it } from 'vitest';
import { SECURITY_GLYPHS } from './colors';
import { viewGraph, NO_HIDING } from './model';
import { toG6Data } from './renderer';
import { echoGraphWithDatabase } from './testing';

describe('the canvas marks how edges were secured', () => {
  it('draws a lock on an mTLS edge, an open lock on a plaintext one, nothing on an L4 edge', () => {
    const graph = echoGraphWithDatabase();
    const [mtls, l4] = graph.edges;
    if (!mtls || !l4) throw new Error('fixture has two edges');
    const plain = { ...mtls, id: 'plain', target: 'app:data/mysql', security: 'none' as const };
    const view = viewGraph({ ...graph, edges: [mtls, l4, plain] }, NO_HIDING);
    const drawn = (id: string) => toG6Data(view, new Map()).edges?.find((e) => e.id === id);
    expect(drawn(mtls.id)?.style).toMatchObject({ badgeText: SECURITY_GLYPHS.mutual_tls });
    expect(drawn(mtls.id)?.data).toMatchObject({ security: 'mutual_tls' });
    expect(drawn('plain')?.style).toMatchObject({ badgeText: SECURITY_GLYPHS.none });
    expect(drawn(l4.id)?.style).toMatchObject({ badge: false });
  });
});
