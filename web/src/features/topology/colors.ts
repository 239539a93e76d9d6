/** Health colours, shared by the graph (renderer) and the page (legend, side panel). */
export const HEALTH_COLORS = {
  healthy: '#52c41a',
  degraded: '#faad14',
  failing: '#ff4d4f',
  none: '#bfbfbf',
} as const;
