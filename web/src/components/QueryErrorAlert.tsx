import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { CLIENT_ERROR_CODES, isApiError } from '../lib/api';

export interface QueryErrorAlertProps {
  /** What could not be done, e.g. "Could not load the services". */
  title: string;
  error: unknown;
  onRetry?: () => void;
  retrying?: boolean;
}

/** The message to show for an error: the server's (it is written to be shown), never internals. */
export function useErrorMessage(error: unknown): string {
  const { t } = useTranslation('common');
  if (isApiError(error)) {
    return error.code === CLIENT_ERROR_CODES.network ? t('networkError') : error.message;
  }
  return t('loadFailed');
}

export function QueryErrorAlert({ title, error, onRetry, retrying = false }: QueryErrorAlertProps) {
  const { t } = useTranslation('common');
  const message = useErrorMessage(error);
  return (
    <Alert
      type="error"
      showIcon
      title={title}
      description={message}
      action={
        onRetry ? (
          <Button size="small" danger onClick={onRetry} loading={retrying}>
            {t('retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
