import { GlobalOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import type { MenuProps } from 'antd';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, LANGUAGE_NAMES, currentLanguage, isLanguage, setLanguage } from '../lib/i18n';

/**
 * zh-CN / en-US, each named in its own language; the choice is remembered in this browser.
 * A menu button rather than antd's radio buttons: their inputs are hidden under the labels, which
 * leaves nothing a browser-driving test (or some assistive tools) can operate by role.
 */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation('app');
  const current = currentLanguage(i18n.language);
  const items: MenuProps['items'] = LANGUAGES.map((language) => ({
    key: language,
    label: <span lang={language}>{LANGUAGE_NAMES[language]}</span>,
  }));
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items,
        selectable: true,
        selectedKeys: [current],
        onClick: ({ key }) => {
          if (isLanguage(key)) void setLanguage(key);
        },
      }}
    >
      <Button
        type="text"
        icon={<GlobalOutlined aria-hidden />}
        aria-label={t('languageButton', { name: LANGUAGE_NAMES[current] })}
        style={{ color: 'rgba(255, 255, 255, 0.85)' }}
      >
        <span lang={current}>{LANGUAGE_NAMES[current]}</span>
      </Button>
    </Dropdown>
  );
}
