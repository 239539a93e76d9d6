export const LANGUAGES = ['en-US', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_LANGUAGE: Language = 'en-US';
export const LANGUAGE_STORAGE_KEY = 'mesh-console.language';

/** Each language's name in that language, for the switch. */
export const LANGUAGE_NAMES: Record<Language, string> = { 'en-US': 'English', 'zh-CN': '中文' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Maps a BCP 47 tag from the browser (zh, zh-Hans-CN, en-GB, …) to a language we have, if any. */
export function matchLanguage(tag: string | undefined): Language | undefined {
  if (!tag) return undefined;
  const primary = tag.toLowerCase().split('-')[0];
  if (primary === 'zh') return 'zh-CN';
  if (primary === 'en') return 'en-US';
  return undefined;
}

/** Any language tag (i18next's current one, a browser's) as a language we have: English if none fits. */
export function languageOf(tag: string | undefined): Language {
  return isLanguage(tag) ? tag : (matchLanguage(tag) ?? DEFAULT_LANGUAGE);
}

function readStored(): string | null {
  try {
    return globalThis.localStorage?.getItem(LANGUAGE_STORAGE_KEY) ?? null;
  } catch {
    // Storage can be disabled (privacy settings); the language is then just not remembered.
    return null;
  }
}

export function storeLanguage(language: Language): void {
  try {
    globalThis.localStorage?.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // See readStored.
  }
}

/** The operator's choice if remembered, else the browser's preferred languages, else English. */
export function detectLanguage(): Language {
  const stored = readStored();
  if (isLanguage(stored)) return stored;
  const nav = globalThis.navigator;
  const preferred = nav?.languages?.length ? nav.languages : [nav?.language];
  for (const tag of preferred) {
    const match = matchLanguage(tag);
    if (match) return match;
  }
  return DEFAULT_LANGUAGE;
}
