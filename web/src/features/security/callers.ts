import type { ObservedCaller } from './contract';

/** How a caller is named in lists: its name, version and namespace when known. */
export function callerName(caller: ObservedCaller): string {
  const version = caller.version ? ` ${caller.version}` : '';
  const namespace = caller.namespace ? ` (${caller.namespace})` : '';
  return `${caller.name}${version}${namespace}`;
}
