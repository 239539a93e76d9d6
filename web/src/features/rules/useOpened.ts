import { useState } from 'react';

/** A drawer's content stays mounted through its closing animation, then goes. */
interface Opened<T> {
  value: T;
  open: boolean;
  /** A new key per opening, so each opening starts from a fresh form. */
  key: number;
}

/**
 * A drawer's target (every rule tab's editor, viewer and history): shown, hidden while it animates
 * out, then cleared; a new key per opening.
 */
export function useOpened<T>() {
  const [opened, setOpened] = useState<Opened<T>>();
  return {
    opened,
    show: (value: T) => setOpened((prev) => ({ value, open: true, key: (prev?.key ?? 0) + 1 })),
    hide: () => setOpened((prev) => (prev ? { ...prev, open: false } : prev)),
    clear: () => setOpened((prev) => (prev && !prev.open ? undefined : prev)),
  };
}
