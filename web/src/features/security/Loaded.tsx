import type { UseQueryResult } from '@tanstack/react-query';
import { Card } from 'antd';
import type { ReactNode } from 'react';
import { QueryErrorAlert } from '../../components/QueryErrorAlert';

/**
 * A section's loading and error (with Retry) states, then its content. Unlike `QueryStates`, no
 * empty state: a section with no policy still shows what is in force and the callers seen.
 */
export function Loaded<T>({
  query,
  errorTitle,
  children,
}: {
  query: UseQueryResult<T>;
  errorTitle: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Card loading variant="borderless" />;
  if (query.isError)
    return (
      <QueryErrorAlert
        title={errorTitle}
        error={query.error}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
    );
  return children(query.data);
}
