import { describe, expect, it } from 'vitest';
import { formatBytes, formatDateTime, formatMs, formatNumber, formatPercent } from './format';

describe('monitoring formats', () => {
  it('writes the talk’s figures as it does, and a dash for what cannot be computed', () => {
    expect(formatNumber(1464.6, 'en-US')).toBe('1,464.6');
    expect(formatNumber(58.400000000000006, 'en-US')).toBe('58.4');
    expect(formatMs(143.4712, 'en-US')).toBe('143.47');
    expect(formatPercent(0.1833, 'en-US')).toBe('18.33%');
    expect(formatPercent(0, 'zh-CN')).toBe('0%');
    expect(formatPercent(null, 'en-US')).toBe('—');
    expect(formatMs(null, 'en-US')).toBe('—');
    expect(formatBytes(999, 'en-US')).toBe('999 B');
    expect(formatBytes(2_461_961.9, 'en-US')).toBe('2.5 MB');
  });

  it('shows a moment in local time, to the second', () => {
    const d = new Date(2019, 8, 23, 17, 56, 53);
    expect(formatDateTime(d.toISOString())).toBe('2019-09-23 17:56:53');
    expect(formatDateTime('not a date')).toBe('—');
  });
});
