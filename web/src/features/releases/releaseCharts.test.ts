import { describe, expect, it } from 'vitest';
import { release, sample } from './fixtures';
import { releaseChartOptions } from './releaseCharts';

const TEXTS = {
  language: 'en-US',
  canary: 'Canary v3',
  stable: 'Stable v1',
  threshold: 'Threshold',
  target: 'Target weight',
  observed: 'Observed share',
};

type Series = { id: string; name: string; data: [number, number | null][] };
const seriesOf = (option: { series?: unknown }) => option.series as Series[];

describe('release charts', () => {
  it('draws canary and stable against the gate’s threshold, by stable series ids', () => {
    const { spec } = release();
    const samples = [sample(5), sample(10, { canary: { requests: 0, errorRate: null, p99Ms: null } })];
    const options = releaseChartOptions(samples, spec, TEXTS);
    const at = samples.map((s) => Date.parse(s.at));

    const errors = seriesOf(options.errorRate);
    expect(errors.map((s) => [s.id, s.name])).toEqual([
      ['canary', 'Canary v3'],
      ['stable', 'Stable v1'],
      ['threshold', 'Threshold'],
    ]);
    // No canary requests: a gap, not a zero.
    expect(errors[0]?.data).toEqual([
      [at[0], 0.4],
      [at[1], null],
    ]);
    expect(errors[2]?.data.map(([, v]) => v)).toEqual([1, 1]);
    expect(seriesOf(options.p99)[2]?.data.map(([, v]) => v)).toEqual([400, 400]);
    expect(seriesOf(options.requests)[2]?.data.map(([, v]) => v)).toEqual([20, 20]);

    const share = seriesOf(options.share);
    expect(share.map((s) => s.id)).toEqual(['observed', 'target']);
    expect(share[1]?.data.map(([, v]) => v)).toEqual([20, 20]);
  });

  it('gives a new sample the same series, one point longer (the chart moves, not redraws)', () => {
    const { spec } = release();
    const before = releaseChartOptions([sample(5)], spec, TEXTS);
    const after = releaseChartOptions([sample(5), sample(10)], spec, TEXTS);
    expect(seriesOf(after.errorRate).map((s) => s.id)).toEqual(seriesOf(before.errorRate).map((s) => s.id));
    expect(seriesOf(after.errorRate).map((s) => s.data.length)).toEqual([2, 2, 2]);
  });
});
