/** Percentiles and a one-line report, for the benchmarks' printed figures. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  goal?: { max: number };
}

export function summarize(name: string, samples: number[], unit = 'ms', goalP99?: number): Figure[] {
  return [
    { name: `${name} p50`, value: percentile(samples, 50), unit },
    {
      name: `${name} p99`,
      value: percentile(samples, 99),
      unit,
      ...(goalP99 !== undefined ? { goal: { max: goalP99 } } : {}),
    },
  ];
}

export function printFigures(section: string, figures: Figure[]): void {
  console.log(`\n${section}`);
  for (const f of figures) {
    // A goal of 0 means "none at all" (missed updates); any other goal is an upper bound.
    const goal = f.goal ? (f.goal.max === 0 ? 'goal 0' : `goal < ${f.goal.max} ${f.unit}`.trim()) : '';
    const verdict = f.goal ? `  (${goal}: ${f.value <= f.goal.max ? 'met' : 'MISSED'})` : '';
    console.log(`  ${f.name.padEnd(52)} ${f.value.toFixed(2).padStart(10)} ${f.unit}${verdict}`);
  }
}

/** Times an async function `n` times, sequentially, in milliseconds. */
export async function timeMany(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}
