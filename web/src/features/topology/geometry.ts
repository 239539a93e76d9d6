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
export const NODE_LABEL = { fontSize: 12, lineHeight: 16, offsetY: 2, paddingX: 2 } as const;
export const NODE_LABEL_HEIGHT = NODE_LABEL.lineHeight + NODE_LABEL.offsetY;

/**
 * A group's box (a G6 combo): it wraps its members' bounds, labels included, with `padding`, and its
 * title is drawn above it, `titleHeight` tall.
 */
export const GROUP_BOX = { padding: 12, titleFontSize: 12, titleLineHeight: 16, titleHeight: 18 } as const;

/** Free space left between a group's box (title included) and whatever is next to it. */
export const GROUP_GAP = 10;

/**
 * A namespace's box in the whole-mesh view (a G6 combo around its application boxes and nodes): it
 * wraps them with `padding`, and its title is drawn above it, `titleHeight` tall.
 */
export const NAMESPACE_BOX = {
  padding: 16,
  titleFontSize: 15,
  titleLineHeight: 20,
  titleHeight: 24,
} as const;

/** Labels longer than this are cut in the middle (the whole name is in the side panel and find box). */
const LABEL_MAX_CHARS = 18;

/** `productcatalog-1.5.0-rc`… stays readable: the start and the end, which tell versions apart. */
function shortLabel(text: string, max = LABEL_MAX_CHARS): string {
  if (text.length <= max) return text;
  const tail = Math.ceil((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(-tail)}`;
}

/**
 * A node's label as drawn: a version inside its application's box is named by its version alone
 * (the box's title names the application), a group node says how many nodes it stands for, and a
 * long name is cut in the middle.
 */
export function nodeLabelText(
  n: Pick<ViewNode, 'label' | 'members'> & Partial<Pick<ViewNode, 'group' | 'node'>>,
): string {
  if (n.members > 1) return `${shortLabel(n.label)} (${n.members})`;
  if (n.group && n.node?.kind === 'version' && n.node.version) return shortLabel(n.node.version);
  return shortLabel(n.label);
}

/** About how wide a line of text is drawn: 0.6 em a character in the console's sans-serif font. */
function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/** How wide a node is drawn, label (with its background's padding) included. */
export function nodeWidth(
  n: Pick<ViewNode, 'kind' | 'label' | 'members'> & Partial<Pick<ViewNode, 'group' | 'node'>>,
): number {
  return Math.max(
    KIND_SIZE[n.kind],
    textWidth(nodeLabelText(n), NODE_LABEL.fontSize) + 2 * NODE_LABEL.paddingX,
  );
}

/** How wide a group's title is drawn (centred over its box). */
export function groupTitleWidth(label: string): number {
  return textWidth(label, GROUP_BOX.titleFontSize);
}
