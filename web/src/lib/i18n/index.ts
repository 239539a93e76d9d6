import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { DEFAULT_LANGUAGE, LANGUAGES, detectLanguage, languageOf, storeLanguage } from './languages';
import type { Language } from './languages';
import { resources } from './resources';
import type { Resources } from './resources';

export { LANGUAGES, LANGUAGE_NAMES, LANGUAGE_STORAGE_KEY, isLanguage } from './languages';
export type { Language } from './languages';
declare module 'i18next' {
  interface CustomTypeOptions {
    // Code names its namespace (`useTranslation('catalog')`); `useTranslation()` alone is `common`.
    defaultNS: 'common';
    resources: Resources;
  }
}

function applyToDocument(language: string): void {
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}

// Resources are bundled, so initialisation is synchronous and the first render has its text.
void i18n.use(initReactI18next).init({
  resources,
  lng: detectLanguage(),
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  ns: Object.keys(resources[DEFAULT_LANGUAGE]),
  defaultNS: 'common',
  initAsync: false,
  interpolation: { escapeValue: false }, // React escapes.
  returnNull: false,
});
applyToDocument(i18n.language);
i18n.on('languageChanged', applyToDocument);

/** The current language, normalised to one we have. */
export function currentLanguage(language: string = i18n.language): Language {
  return languageOf(language);
}

/** Switches the UI language and remembers the choice in this browser. */
export async function setLanguage(language: Language): Promise<void> {
  storeLanguage(language);
  await i18n.changeLanguage(language);
}

export { i18n };
