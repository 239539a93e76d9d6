import { Button, Drawer, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { codeStyle } from '../rules/DiffView';

export interface YamlDrawerProps {
  title: string;
  name: string;
  yaml: string;
  open: boolean;
  onClose: () => void;
  onClosed: () => void;
}

/** A policy the form cannot show, read-only: its YAML. */
export function YamlDrawer({ title, name, yaml, open, onClose, onClosed }: YamlDrawerProps) {
  const { t } = useTranslation('security');
  return (
    <Drawer
      open={open}
      title={title}
      size="min(720px, 100vw)"
      onClose={onClose}
      afterOpenChange={(isOpen) => (isOpen ? undefined : onClosed())}
      footer={
        <Flex justify="end">
          <Button onClick={onClose}>{t('tab.close')}</Button>
        </Flex>
      }
    >
      <Typography.Paragraph type="secondary">{t('tab.readOnlyYaml')}</Typography.Paragraph>
      <pre aria-label={t('tab.yamlOf', { name })} tabIndex={0} style={codeStyle}>
        {yaml}
      </pre>
    </Drawer>
  );
}
