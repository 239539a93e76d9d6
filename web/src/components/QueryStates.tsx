import type { UseQueryResult } from '@tanstack/react-query';
import { Card } from 'antd';
import type { ReactNode } from 'react';
import { EmptyState } from './EmptyState';
import { QueryErrorAlert } from './QueryErrorAlert';

export interface QueryStatesProps<T extends { items: readonly unknown[] }> {
  query: UseQueryResult<T>;
  /** What could not be loaded, e.g. "Could not load the routing rules". */
  errorTitle: string;
  /** The empty state's title and hint, when the list has no items. */
  empty: { title: string; hint?: ReactNode };
  /** The list itself, once there is something to show. */
  children: (data: T) => ReactNode;
}

/** A list's loading, error (with Retry) and empty states, and the list once it has items. */
export function QueryStates<T extends { items: readonly unknown[] }>({
  query,
  errorTitle,
  empty,
  children,
}: QueryStatesProps<T>) {
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
  if (query.data.items.length === 0) return <EmptyState title={empty.title} hint={empty.hint} />;
  return children(query.data);
}
