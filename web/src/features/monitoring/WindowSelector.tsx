import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { MONITORING_WINDOWS } from './contract';
import type { MonitoringWindow } from './contract';

export interface WindowSelectorProps {
  value: MonitoringWindow;
  onChange: (value: MonitoringWindow) => void;
}

/** 5 min · 15 min · 1 hour · 6 hours: a radio group named "Time window". */
export function WindowSelector({ value, onChange }: WindowSelectorProps) {
  const { t } = useTranslation('monitoring');
  return (
    <Segmented<MonitoringWindow>
      aria-label={t('window.label')}
      value={value}
      onChange={onChange}
      options={MONITORING_WINDOWS.map((w) => ({ value: w, label: t(`window.${w}`) }))}
    />
  );
}
