/** Health colours, shared by the graph (renderer) and the page (legend, side panel). */
export const HEALTH_COLORS = {
  healthy: '#52c41a',
  degraded: '#faad14',
  failing: '#ff4d4f',
  none: '#bfbfbf',
} as const;

/** An L4 edge (connections only: a TCP service, or ambient without a waypoint): no health to colour it by. */
export const L4_EDGE_COLOR = '#13a8a8';
