import cytoscape from 'cytoscape';
import type { TopologyGraph } from '../../../bff/src/contract/topology';
import { chooseLayout, computeLayout } from '../../../web/src/features/topology/layout';
import type { Positions } from '../../../web/src/features/topology/layout';
import { NO_HIDING, NOTHING_EXPANDED, expand, viewGraph } from '../../../web/src/features/topology/model';
import type { ViewGraph } from '../../../web/src/features/topology/model';
import { HEALTH_COLORS } from '../../../web/src/features/topology/colors';
import { ALWAYS_LABEL_BELOW, createRenderer } from '../../../web/src/features/topology/renderer';

/**
 * The browser side of `npm run bench -- topology`: draws a graph with the console's own renderer (G6)
 * or with cytoscape.js (Kiali 1.x's engine) from the same positions, and measures the time to the
 * first complete frame and the frame times while zooming and panning.
 */
export interface RunResult {
  nodes: number;
  edges: number;
  firstRenderMs: number;
  zoomFrames: number[];
  panFrames: number[];
  /** How far the wheel zoomed in (peak zoom over the fitted zoom): proof the frames were zooming. */
  zoomedBy?: number;
  /** G6 grouped: time to draw after expanding the largest namespace. */
  expandMs?: number;
  expandedNodes?: number;
}

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

async function frames(steps: number, step: (i: number) => unknown): Promise<number[]> {
  const out: number[] = [];
  let last = await nextFrame();
  for (let i = 0; i < steps; i++) {
    await step(i);
    const now = await nextFrame();
    out.push(now - last);
    last = now;
  }
  return out;
}

function stage(): HTMLElement {
  const old = document.getElementById('stage') as HTMLElement;
  const fresh = document.createElement('div');
  fresh.id = 'stage';
  old.replaceWith(fresh);
  return fresh;
}

function layoutOf(view: ViewGraph): Positions {
  return computeLayout(
    chooseLayout(view.nodes.length),
    view.nodes.map((n) => ({ id: n.id, group: n.group, namespace: n.namespace })),
    view.edges,
  );
}

/**
 * One notch of the mouse wheel at the centre of the drawing, as the browser delivers it: both
 * libraries zoom through their own wheel handling (and their own optimizations for gestures).
 */
function wheel(deltaY: number) {
  const x = 640;
  const y = 360;
  const target = document.elementFromPoint(x, y);
  target?.dispatchEvent(
    new WheelEvent('wheel', {
      deltaY,
      deltaMode: 0,
      clientX: x,
      clientY: y,
      bubbles: true,
      cancelable: true,
    }),
  );
}
/**
 * Wheel notches in until the view is zoomed to twice the fitted zoom, then out to where it began
 * (three times):
 * the same range for both libraries, whatever zoom step each makes per notch. The frame times of
 * every notch are the samples.
 */
async function wheelZoom(zoom: () => number): Promise<{ frames: number[]; zoomedBy: number }> {
  const base = zoom();
  const out: number[] = [];
  let last = await nextFrame();
  let peak = base;
  const notch = async (deltaY: number) => {
    wheel(deltaY);
    const now = await nextFrame();
    out.push(now - last);
    last = now;
    peak = Math.max(peak, zoom());
  };
  // Three times in and out, for enough samples from a library that zooms far per notch.
  for (let cycle = 0; cycle < 3; cycle++) {
    for (let i = 0; i < 60 && zoom() < base * 2; i++) await notch(-40);
    for (let i = 0; i < 60 && zoom() > base * 1.001; i++) await notch(40);
  }
  return { frames: out, zoomedBy: peak / base };
}

let kept: { destroy: () => void } | null = null;

/** Removes a drawing kept for a screenshot. */
function cleanup() {
  kept?.destroy();
  kept = null;
}

async function g6(graph: TopologyGraph, grouped: boolean, keep = false): Promise<RunResult> {
  cleanup();
  const container = stage();
  await nextFrame();
  const t0 = performance.now();
  let view = viewGraph(graph, NO_HIDING, NOTHING_EXPANDED, grouped ? undefined : Infinity);
  const renderer = createRenderer(container, { onSelect: () => undefined });
  await renderer.show(view, layoutOf(view));
  await nextFrame();
  await nextFrame();
  const firstRenderMs = performance.now() - t0;
  const result: RunResult = {
    nodes: view.nodes.length,
    edges: view.edges.length,
    firstRenderMs,
    zoomFrames: [],
    panFrames: [],
  };
  if (grouped && view.grouped) {
    // Expand the namespace with the most nodes, as an operator clicking its group does.
    const biggest = [...view.nodes].sort((a, b) => b.members - a.members)[0];
    if (biggest) {
      const t1 = performance.now();
      view = viewGraph(graph, NO_HIDING, expand(NOTHING_EXPANDED, biggest));
      await renderer.show(view, layoutOf(view));
      await nextFrame();
      await nextFrame();
      result.expandMs = performance.now() - t1;
      result.expandedNodes = view.nodes.length;
    }
  }
  const g = renderer.graph;
  const zoomed = await wheelZoom(() => g.getZoom());
  result.zoomFrames = zoomed.frames;
  result.zoomedBy = zoomed.zoomedBy;
  result.panFrames = await frames(40, (i) => g.translateBy([i < 20 ? 12 : -12, i < 20 ? 6 : -6], false));
  if (keep) {
    kept = renderer;
    // For looking into a kept drawing from the runner (screenshots, debugging).
    (window as unknown as { keptGraph: unknown }).keptGraph = renderer.graph;
  } else renderer.destroy();
  return result;
}

async function cy(graph: TopologyGraph, keep = false): Promise<RunResult> {
  cleanup();
  const container = stage();
  await nextFrame();
  const t0 = performance.now();
  const view = viewGraph(graph, NO_HIDING, NOTHING_EXPANDED, Infinity);
  const positions = layoutOf(view);
  const large = view.nodes.length > ALWAYS_LABEL_BELOW;
  const instance = cytoscape({
    container,
    elements: [
      ...view.nodes.map((n) => ({
        group: 'nodes' as const,
        data: { id: n.id, label: n.label, color: HEALTH_COLORS[n.health] },
        position: positions.get(n.id) ?? { x: 0, y: 0 },
      })),
      ...view.edges.map((e) => ({
        group: 'edges' as const,
        data: { id: e.id, source: e.source, target: e.target, color: HEALTH_COLORS[e.health] },
      })),
    ],
    layout: { name: 'preset' },
    // Like for like with the console's renderer, which hides edges while the view moves.
    hideEdgesOnViewport: true,
    style: [
      {
        selector: 'node',
        style: {
          'background-color': 'data(color)',
          width: 22,
          height: 22,
          ...(large ? {} : { label: 'data(label)', 'font-size': 11 }),
        },
      },
      {
        selector: 'edge',
        style: large
          ? { 'line-color': 'data(color)', width: 1, 'curve-style': 'haystack' }
          : {
              'line-color': 'data(color)',
              width: 1,
              'curve-style': 'straight',
              'target-arrow-shape': 'triangle',
              'target-arrow-color': 'data(color)',
            },
      },
    ],
  });
  instance.fit();
  await nextFrame();
  await nextFrame();
  const firstRenderMs = performance.now() - t0;
  const zoomed = await wheelZoom(() => instance.zoom());
  const zoomFrames = zoomed.frames;
  const panFrames = await frames(40, (i) => instance.panBy({ x: i < 20 ? 12 : -12, y: i < 20 ? 6 : -6 }));
  if (keep) kept = instance;
  else instance.destroy();
  return {
    nodes: view.nodes.length,
    edges: view.edges.length,
    firstRenderMs,
    zoomFrames,
    panFrames,
    zoomedBy: zoomed.zoomedBy,
  };
}

declare global {
  interface Window {
    topologyBench: {
      g6: (graph: TopologyGraph, grouped: boolean, keep?: boolean) => Promise<RunResult>;
      cytoscape: (graph: TopologyGraph, keep?: boolean) => Promise<RunResult>;
      cleanup: () => void;
    };
  }
}

window.topologyBench = { g6, cytoscape: cy, cleanup };
document.title = 'ready';
