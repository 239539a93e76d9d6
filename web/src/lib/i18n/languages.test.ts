import { afterEach, describe, expect, it, vi } from 'vitest';
import { LANGUAGE_STORAGE_KEY, detectLanguage, languageOf, matchLanguage } from './languages';

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

  it('normalises any tag to a language we have', () => {
    expect(languageOf('zh-CN')).toBe('zh-CN');
    expect(languageOf('zh-Hant-TW')).toBe('zh-CN');
    expect(languageOf('en')).toBe('en-US');
    expect(languageOf('fr')).toBe('en-US');
    expect(languageOf(undefined)).toBe('en-US');
  });
});
