import type { ViewNode } from './model';

/**
 * How big things are drawn, in graph units: the renderer draws with these, and the layout leaves room
 * for them (a group's box and its title must not run into the next group's).
 */
export const KIND_SIZE: Record<ViewNode['kind'], number> = {
  app: 26,
  version: 22,
  service: 20,
  namespace: 44,
  appGroup: 34,
};

/** A node's label, under the node: its height is its line height plus its offset from the node. */
export const NODE_LABEL = { fontSize: 11, lineHeight: 16, offsetY: 2, paddingX: 2 } as const;
export const NODE_LABEL_HEIGHT = NODE_LABEL.lineHeight + NODE_LABEL.offsetY;

/**
 * A group's box (a G6 combo): it wraps its members' bounds, labels included, with `padding`, and its
 * title is drawn above it, `titleHeight` tall.
 */
export const GROUP_BOX = { padding: 12, titleFontSize: 12, titleLineHeight: 16, titleHeight: 18 } as const;

/** Free space left between a group's box (title included) and whatever is next to it. */
export const GROUP_GAP = 10;

/** A node's label as drawn: a group node says how many nodes it stands for. */
export function nodeLabelText(n: Pick<ViewNode, 'label' | 'members'>): string {
  return n.members > 1 ? `${n.label} (${n.members})` : n.label;
}

/** About how wide a line of text is drawn: 0.6 em a character in the console's sans-serif font. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/** How wide a node is drawn, label (with its background's padding) included. */
export function nodeWidth(n: Pick<ViewNode, 'kind' | 'label' | 'members'>): number {
  return Math.max(
    KIND_SIZE[n.kind],
    textWidth(nodeLabelText(n), NODE_LABEL.fontSize) + 2 * NODE_LABEL.paddingX,
  );
}

/** How wide a group's title is drawn (centred over its box). */
export function groupTitleWidth(label: string): number {
  return textWidth(label, GROUP_BOX.titleFontSize);
}
