// @vitest-environment jsdom
import { renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { useTopologyFilters } from './useTopologyFilters';

describe('useTopologyFilters', () => {
  it('gives the same filters object on every render of the same address', () => {
    const wrapper = ({ children }: { children: ReactNode }) => (
      <MemoryRouter initialEntries={['/topology?graph=app&hideIdleNodes=1']}>{children}</MemoryRouter>
    );
    const { result, rerender } = renderHook(() => useTopologyFilters(), { wrapper });
    const first = result.current[0];
    rerender();
    // The page's memos and effects depend on these objects: a new one per render refreshed nothing live.
    expect(result.current[0]).toBe(first);
    expect(result.current[0].hide).toBe(first.hide);
    expect(first.graphType).toBe('app');
    expect(first.hide.idleNodes).toBe(true);
  });
});
