import { Drawer, Flex, Typography } from 'antd';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { YamlEditor } from '../routing/YamlEditor';
import { CheckList } from './Checks';
import type { IstioConfigItem } from './contract';

const ignoreEdit = () => undefined;

export interface YamlDrawerProps {
  item: IstioConfigItem | undefined;
  onClose: () => void;
}

/** One object's YAML, read-only, with its checks above it (their paths point into the YAML). */
export function YamlDrawer({ item, onClose }: YamlDrawerProps) {
  const { t } = useTranslation('istioConfig');
  // The object stays in the drawer while it slides away.
  const [last, setLast] = useState(item);
  if (item && item !== last) setLast(item);
  const shown = item ?? last;
  const ref = shown?.ref;
  // Named by its own title's id: antd's generated one is the same for every component under test.
  const titleId = useId();
  return (
    <Drawer
      open={item !== undefined}
      onClose={onClose}
      title={ref ? <span id={titleId}>{`${ref.kind} ${ref.namespace}/${ref.name}`}</span> : undefined}
      aria-labelledby={titleId}
      size="min(820px, 100vw)"
      destroyOnHidden
    >
      {shown && ref ? (
        <Flex vertical gap={12}>
          <Typography.Text type="secondary">{t('yaml.readOnly')}</Typography.Text>
          {shown.checks.length > 0 ? <CheckList item={shown} /> : null}
          <YamlEditor
            value={shown.yaml}
            onChange={ignoreEdit}
            readOnly
            label={t('yaml.editor', { kind: ref.kind, name: ref.name })}
          />
        </Flex>
      ) : null}
    </Drawer>
  );
}
