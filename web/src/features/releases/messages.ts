import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useContractMessage } from '../../lib/messages/translate';
import { releasesEnUS } from './locales';

type ReleaseMessageKey = keyof typeof releasesEnUS.contract;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The release contract's English templates, as patterns that read their values back. */
const TEMPLATES = (Object.entries(releasesEnUS.contract) as [ReleaseMessageKey, string][]).map(
  ([key, template]) => {
    const names: string[] = [];
    const source = template
      .split(/{{(\w+)}}/)
      .map((part, i) => {
        if (i % 2 === 0) return escape(part);
        names.push(part);
        return '([\\s\\S]+?)';
      })
      .join('');
    return { key, names, pattern: new RegExp(`^${source}$`) };
  },
);

/**
 * A message of the form's validation in the operator's language. The release's own messages are
 * written in `bff/src/contract/releases.ts` until they join `messages.ts` (then `useContractMessage`
 * knows them too); the rest are the contract's shared messages.
 */
export function useReleaseMessage(): (message: string) => string {
  const { t } = useTranslation('releases');
  const contractText = useContractMessage();
  return useCallback(
    (message: string) => {
      for (const { key, names, pattern } of TEMPLATES) {
        const m = pattern.exec(message);
        if (!m) continue;
        const values = Object.fromEntries(names.map((name, i) => [name, m[i + 1] ?? '']));
        return t(`contract.${key}`, { replace: values });
      }
      return contractText(message);
    },
    [t, contractText],
  );
}
