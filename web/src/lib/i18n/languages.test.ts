import { afterEach, describe, expect, it, vi } from 'vitest';
import { LANGUAGE_STORAGE_KEY, detectLanguage, matchLanguage } from './languages';
import { enUS } from './en-US';
import { zhCN } from './zh-CN';

function keysOf(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keysOf(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe('languages', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('maps browser tags to the languages we have', () => {
    expect(matchLanguage('zh')).toBe('zh-CN');
    expect(matchLanguage('zh-Hans-CN')).toBe('zh-CN');
    expect(matchLanguage('en-GB')).toBe('en-US');
    expect(matchLanguage('fr-FR')).toBeUndefined();
  });

  it('prefers the remembered choice, then the browser, then English', () => {
    const store = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => store.get(k) ?? null, setItem: () => {} });
    vi.stubGlobal('navigator', { language: 'fr-FR', languages: ['fr-FR', 'zh-CN'] });
    expect(detectLanguage()).toBe('zh-CN');
    vi.stubGlobal('navigator', { language: 'fr-FR', languages: ['fr-FR'] });
    expect(detectLanguage()).toBe('en-US');
    store.set(LANGUAGE_STORAGE_KEY, 'zh-CN');
    expect(detectLanguage()).toBe('zh-CN');
  });

  it('has the same keys in both languages', () => {
    expect(keysOf(zhCN).sort()).toEqual(keysOf(enUS).sort());
  });
});
