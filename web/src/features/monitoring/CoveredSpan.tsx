import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { MonitoringWindow } from './contract';

const WINDOW_SECONDS: Record<MonitoringWindow, number> = { '5m': 300, '15m': 900, '1h': 3600, '6h': 21600 };

/** Seconds as the covered span is read: "45 s", "23 min", "2 h 5 min". */
function useSpanText(): (seconds: number) => string {
  const { t } = useTranslation('monitoring');
  return (seconds: number) => {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return t('covered.seconds', { count: s });
    const minutes = Math.round(s / 60);
    if (minutes < 60) return t('covered.minutes', { count: minutes });
    return t('covered.hours', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
  };
}

export interface CoveredSpanProps {
  window: MonitoringWindow;
  /** Seconds of the window the telemetry holds data for (absent: all of it). */
  coveredSeconds: number | undefined;
}

/**
 * When the data do not cover the whole window (the console or Prometheus started 23 minutes ago and
 * 6 hours are asked), the rates are over what is held: says how much that is. Nothing otherwise.
 */
export function CoveredSpan({ window, coveredSeconds }: CoveredSpanProps) {
  const { t } = useTranslation('monitoring');
  const spanText = useSpanText();
  if (coveredSeconds === undefined || coveredSeconds >= WINDOW_SECONDS[window]) return null;
  return (
    <Typography.Text type="warning" data-testid="covered-span">
      {coveredSeconds <= 0 ? t('covered.none') : t('covered.partial', { span: spanText(coveredSeconds) })}
    </Typography.Text>
  );
}
