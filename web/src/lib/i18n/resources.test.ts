import { describe, expect, it } from 'vitest';
import { i18n } from '.';
import { LANGUAGES } from './languages';
import { resources } from './resources';

type Tree = { [key: string]: string | Tree };

const PLURAL = /_(zero|one|two|few|many|other)$/;
const VARIABLE = /{{\s*([\w.]+)\s*(?:,[^}]*)?}}/g;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(`${prefix}${key}`, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const variables = (text: string) => [...text.matchAll(VARIABLE)].map((m) => m[1] ?? '');

/**
 * What differs between the languages' resources: a namespace or key in one and not another
 * (nested keys by their dotted path; plural forms by their base key), a plural missing a form the
 * language's plural rules need, an empty text, or an interpolation variable only one side uses.
 */
function languageProblems(data: Record<string, Record<string, Tree>>): string[] {
  const problems: string[] = [];
  const languages = Object.keys(data);
  const namespaces = [...new Set(languages.flatMap((l) => Object.keys(data[l] ?? {})))].sort();
  for (const ns of namespaces) {
    const byLanguage = new Map<string, Map<string, string>>();
    for (const lng of languages) {
      const tree = data[lng]?.[ns];
      if (!tree) problems.push(`${lng}: namespace ${ns} is missing`);
      else byLanguage.set(lng, flatten(tree));
    }
    // Base key → the variables used by any of its forms, per language; and which bases are plurals.
    const bases = new Map<string, Map<string, Set<string>>>();
    const plurals = new Set<string>();
    for (const [lng, keys] of byLanguage) {
      for (const [key, text] of keys) {
        const base = key.replace(PLURAL, '');
        if (base !== key) plurals.add(base);
        if (text.trim() === '') problems.push(`${lng}: ${ns}:${key} is empty`);
        const perLanguage = bases.get(base) ?? new Map<string, Set<string>>();
        bases.set(base, perLanguage);
        const vars = perLanguage.get(lng) ?? new Set<string>();
        perLanguage.set(lng, vars);
        // `count` picks the plural form; `serverMessage` is the BFF's English, which a translation
        // may leave out (lib/messages/locales.ts).
        for (const v of variables(text)) if (v !== 'count' && v !== 'serverMessage') vars.add(v);
      }
    }
    for (const [base, perLanguage] of bases) {
      for (const lng of byLanguage.keys()) {
        if (!perLanguage.has(lng)) problems.push(`${lng}: ${ns}:${base} is missing`);
      }
      const sets = [...perLanguage.entries()].map(([lng, vars]) => `${lng} {${[...vars].sort().join(',')}}`);
      if (new Set(sets.map((s) => s.replace(/^\S+ /, ''))).size > 1)
        problems.push(`${ns}:${base} uses different variables: ${sets.join(' / ')}`);
    }
    for (const base of plurals) {
      for (const [lng, keys] of byLanguage) {
        if (!keys.has(base) && ![...keys.keys()].some((k) => k.replace(PLURAL, '') === base)) continue;
        if (keys.has(base)) problems.push(`${lng}: ${ns}:${base} is not plural in ${lng} but is elsewhere`);
        for (const category of new Intl.PluralRules(lng).resolvedOptions().pluralCategories) {
          if (!keys.has(`${base}_${category}`)) problems.push(`${lng}: ${ns}:${base}_${category} is missing`);
        }
      }
    }
  }
  return problems;
}

describe('the UI text', () => {
  it('has every namespace, key and plural form in every language', () => {
    const data = i18n.store.data as unknown as Record<string, Record<string, Tree>>;
    expect(Object.keys(data).sort()).toEqual([...LANGUAGES].sort());
    // Every feature's namespace is registered (a feature that forgets to would be all keys on screen).
    expect(Object.keys(data['en-US'] ?? {})).toEqual(
      expect.arrayContaining([
        'app',
        'common',
        'catalog',
        'monitoring',
        'topology',
        'rules',
        'routing',
        'ratelimit',
        'security',
        'auth',
        'audit',
        'admin',
        'errors',
        'contract',
      ]),
    );
    expect(languageProblems(data)).toEqual([]);
  });

  it('has only the namespaces resources.ts registers (no feature adds a bundle of its own)', () => {
    const data = i18n.store.data as unknown as Record<string, Record<string, Tree>>;
    for (const language of LANGUAGES) {
      expect(Object.keys(data[language] ?? {}).sort()).toEqual(Object.keys(resources[language]).sort());
    }
    expect(i18n.options.defaultNS).toBe('common');
  });

  it('notices a key, a nested key or a plural form that one language lacks', () => {
    const problems = languageProblems({
      'en-US': {
        demo: {
          a: 'A {{name}}',
          nested: { b: 'B', c: 'C' },
          total_one: '{{count}} service',
          total_other: '{{count}} services',
          rows_one: 'one row',
          rows_other: '{{count}} rows',
        },
        onlyEnglish: { x: 'X' },
      },
      'zh-CN': {
        demo: {
          a: '甲 {{nom}}',
          nested: { b: '乙', extra: '多余' },
          total_other: '共 {{count}} 个服务',
          rows: '行',
        },
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'zh-CN: namespace onlyEnglish is missing',
        'zh-CN: demo:nested.c is missing',
        'en-US: demo:nested.extra is missing',
        'demo:a uses different variables: en-US {name} / zh-CN {nom}',
        'zh-CN: demo:rows is not plural in zh-CN but is elsewhere',
        'zh-CN: demo:rows_other is missing',
      ]),
    );
    // Chinese has one plural form: `_other` alone is complete.
    expect(problems.filter((p) => p.includes('total'))).toEqual([]);
    expect(problems).toHaveLength(6);
  });
});
