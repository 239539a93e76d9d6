import { QueryClientProvider } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import antdEnUS from 'antd/locale/en_US';
import antdZhCN from 'antd/locale/zh_CN';
import type { Locale } from 'antd/es/locale';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage } from '../lib/i18n';
import type { Language } from '../lib/i18n';
import { THEME } from './theme';

const ANTD_LOCALES: Record<Language, Locale> = { 'en-US': antdEnUS, 'zh-CN': antdZhCN };

export interface AppProvidersProps {
  queryClient: QueryClient;
  children: ReactNode;
}

/** Data, component library and language: everything a page needs around it. */
export function AppProviders({ queryClient, children }: AppProvidersProps) {
  const { i18n } = useTranslation();
  return (
    <QueryClientProvider client={queryClient}>
      {/* antd spaces out two-character Chinese labels (提 交), which changes buttons' accessible names. */}
      <ConfigProvider
        locale={ANTD_LOCALES[currentLanguage(i18n.language)]}
        theme={THEME}
        button={{ autoInsertSpace: false }}
      >
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </QueryClientProvider>
  );
}
