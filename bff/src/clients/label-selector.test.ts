import { describe, expect, it } from 'vitest';
import { LabelSelectorError, parseLabelSelector } from './label-selector';

const labels = { app: 'reviews', version: 'v2', tier: '', replicas: '3', 'example.com/owner': 'team-a' };

describe('label selectors, as the API server parses and matches them', () => {
  it.each([
    ['', true],
    ['   ', true],
    ['app=reviews', true],
    ['app==reviews', true],
    ['app = reviews', true],
    ['app=ratings', false],
    ['app!=ratings', true],
    ['app!=reviews', false],
    // An absent label is "not equal" and "not in", never equal or in.
    ['missing!=x', true],
    ['missing=x', false],
    ['app=reviews,version=v2', true],
    ['app=reviews, version=v1', false],
    ['app in (reviews,ratings)', true],
    ['app in (ratings, details)', false],
    ['app notin (ratings)', true],
    ['app notin (ratings,reviews)', false],
    ['missing notin (a)', true],
    ['missing in (a)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app,!missing', true],
    // `tier=` selects the empty value; so do `in ()` and an empty element.
    ['tier=', true],
    ['tier in ()', true],
    ['tier in (a,)', true],
    ['app=', false],
    ['replicas>2', true],
    ['replicas>3', false],
    ['replicas<4', true],
    ['app>1', false],
    ['missing<9', false],
    ['example.com/owner=team-a', true],
    ['example.com/owner in (team-b)', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(expected);
  });

  it('matches objects without labels only with negative requirements', () => {
    expect(parseLabelSelector('a!=b,!c').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(undefined)).toBe(false);
    expect(parseLabelSelector('').empty).toBe(true);
    expect(parseLabelSelector('a').empty).toBe(false);
  });

  it('names the keys every matching object has', () => {
    expect(parseLabelSelector('a,b=c,d!=e,!f,g in (h),i notin (j),k>1,l<2').requiredKeys).toEqual([
      'a',
      'b',
      'g',
      'k',
      'l',
    ]);
  });

  it.each([
    'app=reviews,',
    ',app',
    'app in reviews',
    'app in (reviews',
    'app notin',
    '!',
    'app=a b',
    'app===b',
    'app>x',
    'in=x',
    'app=-bad-',
    '-bad=x',
    'Example.com/x=y',
    `app=${'x'.repeat(64)}`,
  ])('refuses %j as the server does', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
  });
});
