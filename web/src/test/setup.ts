/**
 * Shared set-up for the web's jsdom tests: vite.config.ts runs it before each web test file (its
 * `setupFiles`). Test files still import it first, so a file also runs alone under any config:
 *
 *   // @vitest-environment jsdom
 *   import '../../test/setup';
 */
import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { i18n } from '../lib/i18n';
import { server } from './server';

// antd reads media queries (Grid, Descriptions' responsive columns) and observes sizes (Table, Tabs).
if (!window.matchMedia) {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    configurable: true,
    value: (query: string): MediaQueryList => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }),
  });
}

if (!('ResizeObserver' in window)) {
  class ResizeObserverStub {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  Object.defineProperty(window, 'ResizeObserver', {
    writable: true,
    configurable: true,
    value: ResizeObserverStub,
  });
  Object.defineProperty(globalThis, 'ResizeObserver', {
    writable: true,
    configurable: true,
    value: ResizeObserverStub,
  });
}

// CodeMirror measures text through Ranges, which jsdom does not lay out: report empty boxes, as
// jsdom does for elements.
if (!(Range.prototype as Partial<Range>).getClientRects) {
  Range.prototype.getClientRects = function getClientRects(): DOMRectList {
    const rects: DOMRect[] = [];
    return Object.assign(rects, { item: (i: number) => rects[i] ?? null }) as unknown as DOMRectList;
  };
  Range.prototype.getBoundingClientRect = function getBoundingClientRect(): DOMRect {
    return new DOMRect();
  };
}

// The jsdom environment lives as long as its worker: in the project that shares one between files
// (vite.config.ts), this file runs again before each file, and patches the prototypes only once.
const patched = window as Window & { meshConsoleTestPatched?: boolean };
if (!patched.meshConsoleTestPatched) {
  patched.meshConsoleTestPatched = true;
  // jsdom does not compute pseudo-element styles and says so on stderr; antd asks for them to
  // measure scrollbars. Answer with the element's own style.
  const getComputedStyle = window.getComputedStyle.bind(window);
  window.getComputedStyle = (element: Element) => getComputedStyle(element);

  // antd writes its CSS-in-JS into <head>: thousands of rules that jsdom's getComputedStyle walks for
  // every element a role query or user-event looks at. jsdom lays nothing out, so tests need none of
  // them: style elements go to a detached node instead (antd finds them there to update them).
  const styleSink = document.createElement('div');
  const headAppend = HTMLHeadElement.prototype.appendChild;
  const headInsert = HTMLHeadElement.prototype.insertBefore;
  HTMLHeadElement.prototype.appendChild = function appendChild<T extends Node>(
    this: HTMLHeadElement,
    node: T,
  ): T {
    return node instanceof HTMLStyleElement
      ? styleSink.appendChild(node)
      : (headAppend.call(this, node) as T);
  };
  HTMLHeadElement.prototype.insertBefore = function insertBefore<T extends Node>(
    this: HTMLHeadElement,
    node: T,
    child: Node | null,
  ): T {
    return node instanceof HTMLStyleElement
      ? styleSink.appendChild(node)
      : (headInsert.call(this, node, child) as T);
  };
  const headRemove = HTMLHeadElement.prototype.removeChild;
  HTMLHeadElement.prototype.removeChild = function removeChild<T extends Node>(
    this: HTMLHeadElement,
    node: T,
  ): T {
    return node.parentNode === styleSink ? styleSink.removeChild(node) : (headRemove.call(this, node) as T);
  };
}

// antd is slow to render in jsdom, and CI has 2 cores shared with other suites: wait longer than
// Testing Library's default second for things to appear.
configure({ asyncUtilTimeout: 5_000 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(async () => {
  window.localStorage.clear();
  await i18n.changeLanguage('en-US');
});
afterEach(() => {
  cleanup();
  server.resetHandlers();
});
afterAll(() => server.close());
