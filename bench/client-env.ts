/** What a bench client process is told by bench/scale.ts, in its environment: each setting required. */
export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}
