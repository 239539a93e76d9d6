/**
 * The long busy stretches of a V8 CPU profile (`--cpu-prof`; `BENCH_CONSOLE_PROFILE=<dir> npm run
 * bench -- scale` writes the console's), with what took their time: where a p99 or a start goes.
 *
 *   npx tsx bench/profile/long-tasks.ts <file.cpuprofile> [min ms, default 200]
 *
 * A stretch is a run of samples that are not idle, so a queue of short requests shows as one too.
 * Function names and lines are those of the profiled file (dist/bff/start.js for the console).
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, minArg] = process.argv.slice(2);
if (!file) throw new Error('usage: long-tasks.ts <file.cpuprofile> [min ms]');
const minUs = Number(minArg ?? 200) * 1000;
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode) => {
  const where = n.callFrame.url.split('/').pop() ?? '';
  return `${n.callFrame.functionName || '(anonymous)'}:${n.callFrame.lineNumber} ${where}`.trim();
};
const top = (counts: Map<string, number>, total: number, k: number) =>
  [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, n]) => `${name} ${Math.round((100 * n) / total)}%`)
    .join(' | ');

let t = profile.startTime;
let start: number | null = null;
let ids: number[] = [];
const report = (end: number) => {
  if (start === null || end - start < minUs) return;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of ids) {
    const node = byId.get(id) as ProfileNode;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = label(byId.get(cur) as ProfileNode);
      if (!seen.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
      seen.add(name);
    }
  }
  console.log(
    `@${((start - profile.startTime) / 1e6).toFixed(1)} s: ${((end - start) / 1000).toFixed(0)} ms busy`,
  );
  console.log(`  self:      ${top(self, ids.length, 6)}`);
  console.log(`  inclusive: ${top(inclusive, ids.length, 12)}`);
};
profile.samples.forEach((id, i) => {
  t += profile.timeDeltas[i] ?? 0;
  const idle = byId.get(id)?.callFrame.functionName === '(idle)';
  if (!idle) {
    if (start === null) [start, ids] = [t, []];
    ids.push(id);
  } else if (start !== null) {
    report(t);
    start = null;
  }
});
report(t);
