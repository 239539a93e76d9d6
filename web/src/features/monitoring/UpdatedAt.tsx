import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatDateTime, NO_VALUE } from './format';

/** "Updated at: 2019-09-23 17:56:53", the talk's 更新时间: when the figures on screen were measured. */
export function UpdatedAt({ updatedAt }: { updatedAt: string | undefined }) {
  const { t } = useTranslation('monitoring');
  return (
    <Typography.Text type="secondary">
      {t('updatedAt')} {updatedAt ? <time dateTime={updatedAt}>{formatDateTime(updatedAt)}</time> : NO_VALUE}
    </Typography.Text>
  );
}
