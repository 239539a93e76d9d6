import { useState } from 'react';

interface Opened<T> {
  value: T;
  open: boolean;
  key: number;
}

/** A drawer's target: shown, hidden (while it animates out), then cleared; a new key per opening. */
export function useOpened<T>() {
  const [opened, setOpened] = useState<Opened<T>>();
  return {
    opened,
    show: (value: T) => setOpened((prev) => ({ value, open: true, key: (prev?.key ?? 0) + 1 })),
    hide: () => setOpened((prev) => (prev ? { ...prev, open: false } : prev)),
    clear: () => setOpened((prev) => (prev && !prev.open ? undefined : prev)),
  };
}
