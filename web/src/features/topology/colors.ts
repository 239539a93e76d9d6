/** Health colours, shared by the graph (renderer) and the page (legend, side panel). */
export const HEALTH_COLORS = {
  healthy: '#52c41a',
  degraded: '#faad14',
  failing: '#ff4d4f',
  none: '#bfbfbf',
} as const;

/** An L4 edge (connections only: a TCP service, or ambient without a waypoint): no health to colour it by. */
export const L4_EDGE_COLOR = '#13a8a8';

/** The lock of an edge whose requests came over mutual TLS, and the open lock of a plaintext one. */
export const SECURITY_COLORS = {
  mutual_tls: '#237804',
  none: '#d4380d',
  mixed: '#d48806',
} as const;

/** The glyphs drawn on an edge (G6 draws text, not icons): a lock, an open lock, both. */
export const SECURITY_GLYPHS = {
  mutual_tls: '\u{1F512}',
  none: '\u{1F513}',
  mixed: '\u{1F512}\u{1F513}',
} as const;
