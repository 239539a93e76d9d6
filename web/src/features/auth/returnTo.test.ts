import { describe, expect, it } from 'vitest';
import { isSafeReturnPath } from '../../../../bff/src/contract/return-to';
import { safeReturnTo } from './session';

describe('the return path after signing in', () => {
  it.each(['/services', '/services/reviews.bookinfo.svc.cluster.local?tab=routes', '/topology#x'])(
    'keeps a path of the console: %s',
    (path) => {
      expect(isSafeReturnPath(path)).toBe(true);
      expect(safeReturnTo(path)).toBe(path);
    },
  );

  it.each([
    ['another site', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example'],
    ['a backslash that browsers read as a slash', '/\\evil.example'],
    ['a tab that browsers strip', '/\t/evil.example'],
    ['a line break', '/\n/evil.example'],
    ['nothing', ''],
    ['a very long value', `/${'a'.repeat(3000)}`],
  ])('refuses %s on both sides', (_, value) => {
    expect(isSafeReturnPath(value)).toBe(false);
    expect(safeReturnTo(value)).toBe('/services');
  });
});
