import type { TFunction } from 'i18next';
import type { RuleRowTexts } from '../rules/RuleRowActions';

/** The row actions' texts of both security kinds, for the rule `name`. */
export function securityRowTexts(t: TFunction<'security'>, name: string): RuleRowTexts {
  return {
    edit: t('tab.edit'),
    editRule: t('tab.editRule', { name }),
    view: t('tab.view'),
    viewRule: t('tab.viewRule', { name }),
    history: t('tab.history'),
    historyOf: t('tab.historyOf', { name }),
    delete: t('tab.delete'),
    deleteRule: t('tab.deleteRule', { name }),
    confirm: t('remove.confirm', { name }),
    ok: t('remove.ok'),
    cancel: t('remove.cancel'),
  };
}
