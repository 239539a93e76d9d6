import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Sets the browser tab's title to "<page> · <app name>". */
export function useDocumentTitle(page: string | undefined): void {
  const { t } = useTranslation('app');
  const appName = t('name');
  useEffect(() => {
    document.title = page ? `${page} · ${appName}` : appName;
  }, [page, appName]);
}
