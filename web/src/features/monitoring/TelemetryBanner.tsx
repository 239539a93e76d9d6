import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import { TELEMETRY_UNAVAILABLE } from './contract';
import type { TelemetryStreamError } from './contract';
import { formatDateTime } from './format';

export interface TelemetryBannerProps {
  /** The last request's error, if it failed. */
  error: unknown;
  /** The last `telemetry-error` the stream sent for this topic, if the next update has not succeeded. */
  streamError: TelemetryStreamError | null;
  /** When the figures still on screen were measured; undefined when there are none. */
  shownUpdatedAt: string | undefined;
  onRetry: () => void;
  retrying: boolean;
}

/**
 * Names what is wrong (the server's message, which is written to be shown), says which figures are
 * still on screen, and retries: the stream tries again every round, polling takes over without it,
 * and the button asks at once.
 */
export function TelemetryBanner({
  error,
  streamError,
  shownUpdatedAt,
  onRetry,
  retrying,
}: TelemetryBannerProps) {
  const { t } = useTranslation(['monitoring', 'common']);
  const requestMessage = useErrorMessage(error);
  if (!streamError && !error) return null;

  const code = streamError?.code ?? (isApiError(error) ? error.code : undefined);
  const message = streamError?.message ?? requestMessage;
  const title = code === TELEMETRY_UNAVAILABLE ? t('problem.telemetry') : t('problem.other');
  const shown = shownUpdatedAt
    ? `${t('problem.showingFrom', { time: formatDateTime(shownUpdatedAt) })} `
    : '';

  return (
    <Alert
      type="warning"
      showIcon
      title={title}
      description={
        <>
          <div>{message}</div>
          <div>
            {shown}
            {t('problem.retrying')}
          </div>
        </>
      }
      action={
        <Button size="small" onClick={onRetry} loading={retrying}>
          {t('common:retry')}
        </Button>
      }
    />
  );
}
