import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../lib/api';
import { useServerProblemText } from '../lib/messages/translate';

export interface QueryErrorAlertProps {
  /** What could not be done, e.g. "Could not load the services". */
  title: string;
  error: unknown;
  onRetry?: () => void;
  retrying?: boolean;
}

/**
 * The message to show for an error, in the operator's language: the API error's code (or, for a
 * contract message, the message itself) translated, never internals.
 */
export function useErrorMessage(error: unknown): string {
  const { t } = useTranslation('common');
  const translate = useServerProblemText();
  if (isApiError(error)) return translate(error);
  return t('loadFailed');
}

/** `useErrorMessage` for errors known only when they happen (a mutation's `onError`). */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation('common');
  const translate = useServerProblemText();
  return (error) => (isApiError(error) ? translate(error) : t('loadFailed'));
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
