/**
 * The shape of the scale benchmark's mesh, shared by the seeding and measuring process
 * (bench/scale.ts) and the load client (bench/load-client.ts), so both name the same services and
 * ask the same catalog questions, and read the client's slow answers alike.
 */

/**
 * An answer of the load slower than its goal: when it was asked (s into the run), what, its time in
 * all and until its headers, its size, the console's own time up to its headers (its Server-Timing),
 * and when its connection was made if it was opened for it (null on a kept-alive one).
 */
export interface SlowAnswer {
  at: number;
  kind: string;
  ms: number;
  headersMs: number;
  bytes: number;
  consoleMs: number | null;
  connectMs: number | null;
}

export const serviceHost = (name: string, ns: string) => `${name}.${ns}.svc.cluster.local`;

/** The i-th seeded service: spread over the namespaces round-robin. */
export function serviceAt(i: number, namespaces: number): { name: string; ns: string; n: number; k: number } {
  const n = i % namespaces;
  const k = Math.floor(i / namespaces);
  return { name: `svc-${n}-${k}`, ns: `bench-${n}`, n, k };
}

/** Catalog questions a user asks: searches, filters and pages. */
export const catalogQuery = (i: number, namespaces: number) =>
  [
    `q=svc-${i % namespaces}-${i % 97}&page=1&pageSize=50`,
    `q=svc-${i % namespaces}&page=${(i % 10) + 1}&pageSize=50`,
    `protocol=grpc&page=${(i % 40) + 1}&pageSize=50`,
    `namespace=bench-${i % namespaces}&q=svc&page=2&pageSize=50`,
    `page=${(i % 100) + 1}&pageSize=50`,
  ][i % 5] as string;
